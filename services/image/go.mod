module github.com/fotogal/fotogal/services/image

go 1.26.8
