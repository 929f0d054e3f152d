// Package web holds FotoGal's web app: the static files the gateway serves
// for every path outside the API.
package web

import "embed"

// Static holds the web app's files under the directory "static"
// (static/index.html, scripts, styles, translations).
//
//go:embed static
var Static embed.FS
