module github.com/fotogal/fotogal/proto

go 1.26.8
