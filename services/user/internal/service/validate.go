package service

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The limits of the original application.
const (
	minPasswordLen = 10
	maxPasswordLen = 128
	maxFullNameLen = 500
	maxEmailLen    = 254
	maxBioLen      = 3000
	maxWebsiteLen  = 200
	maxGenderLen   = 100
)

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{4,30}$`)

// Each check returns why a value is invalid, or "" when it is valid.
// Lengths count characters, not bytes.

func checkUsername(username string) string {
	if !usernamePattern.MatchString(username) {
		return "must be 4-30 letters, digits or underscores"
	}
	return ""
}

func checkPassword(password string) string {
	switch n := utf8.RuneCountInString(password); {
	case n < minPasswordLen:
		return "must be at least 10 characters"
	case n > maxPasswordLen:
		return "must be at most 128 characters"
	}
	return ""
}

func checkFullName(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "is required"
	case utf8.RuneCountInString(name) > maxFullNameLen:
		return "must be at most 500 characters"
	}
	return ""
}

func checkEmail(email string) string {
	if len(email) > maxEmailLen {
		return "must be at most 254 characters"
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "must be a valid email address"
	}
	return ""
}

func checkBio(bio string) string {
	if utf8.RuneCountInString(bio) > maxBioLen {
		return "must be at most 3000 characters"
	}
	return ""
}

func checkWebsite(website string) string {
	if website == "" {
		return ""
	}
	if utf8.RuneCountInString(website) > maxWebsiteLen {
		return "must be at most 200 characters"
	}
	u, err := url.Parse(website)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http or https URL"
	}
	return ""
}

func checkGender(gender string) string {
	if utf8.RuneCountInString(gender) > maxGenderLen {
		return "must be at most 100 characters"
	}
	return ""
}

// requiredUsername checks the username naming another person in a request;
// a well-formed name that matches nobody is NotFound later.
func requiredUsername(username string) error {
	if username == "" {
		return invalid("username", "is required")
	}
	return nil
}
