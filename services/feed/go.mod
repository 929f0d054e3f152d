module github.com/fotogal/fotogal/services/feed

go 1.26.8
