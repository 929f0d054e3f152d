module github.com/fotogal/fotogal/e2e

go 1.26.8
