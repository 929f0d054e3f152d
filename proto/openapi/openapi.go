// Package openapi holds FotoGal's OpenAPI document, generated from the
// protos and the gateway's HTTP routes by `make proto`.
package openapi

import _ "embed"

// Document is the OpenAPI v2 document of the public HTTP API, as JSON.
//
//go:embed fotogal.swagger.json
var Document []byte
