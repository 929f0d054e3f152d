module github.com/fotogal/fotogal/pkg

go 1.26.8
