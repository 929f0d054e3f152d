module github.com/fotogal/fotogal/gateway

go 1.26.8
