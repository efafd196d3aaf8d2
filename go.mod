module github.com/telenet/contactcenter

go 1.25
