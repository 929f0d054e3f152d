module github.com/fotogal/fotogal/services/auth

go 1.26.8
