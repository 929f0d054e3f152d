module github.com/fotogal/fotogal/services/user

go 1.26.8
