package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of the protocol. Both the request (a turn) and the response (a
// reply) carry TimestampHeader and SignatureHeader; the request carries
// IdempotencyHeader as well.
const (
	// TimestampHeader holds when the message was signed, in seconds since
	// the Unix epoch, in decimal ("1764615600").
	TimestampHeader = "X-Contactcenter-Timestamp"
	// SignatureHeader holds Sign's value for the message: "sha256=" and
	// 64 lower-case hexadecimal digits.
	SignatureHeader = "X-Contactcenter-Signature"
	// IdempotencyHeader holds the turn's id (chatbot.Turn.ID), the same on
	// every attempt of the turn: a bot that keeps records keys them by it.
	IdempotencyHeader = "Idempotency-Key"
)

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way, before the message is refused with
// ErrStale.
const DefaultTolerance = 5 * time.Minute

const signaturePrefix = "sha256="

// Sign returns the value of SignatureHeader for a message with body,
// signed at timestamp (the value of TimestampHeader): "sha256=" followed
// by the lower-case hexadecimal HMAC-SHA256, keyed with secret, of the
// timestamp, a full stop and the body, byte for byte as sent:
//
//	sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
func Sign(secret []byte, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Timestamp returns the value of TimestampHeader for t.
func Timestamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// Verify checks a received message: that signature (SignatureHeader) is
// Sign(secret, timestamp, body), compared in constant time, and then that
// timestamp (TimestampHeader) is within tolerance of now, either way; a
// tolerance of zero or less is DefaultTolerance. It returns an error
// wrapping ErrSignature for a missing, malformed or wrong header or
// signature, and one wrapping ErrStale for an authentic message signed too
// long ago or in the future.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if timestamp == "" {
		return fmt.Errorf("webhook: %w: no %s header", ErrSignature, TimestampHeader)
	}
	if signature == "" {
		return fmt.Errorf("webhook: %w: no %s header", ErrSignature, SignatureHeader)
	}
	if len(timestamp) > 19 || strings.Trim(timestamp, "0123456789") != "" {
		return fmt.Errorf("webhook: %w: %s %.32q is not seconds since the Unix epoch", ErrSignature, TimestampHeader, timestamp)
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: %w: %s %q is not seconds since the Unix epoch", ErrSignature, TimestampHeader, timestamp)
	}
	hexSum, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return fmt.Errorf("webhook: %w: %s does not start with %q", ErrSignature, SignatureHeader, signaturePrefix)
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("webhook: %w: %s is not %d hexadecimal digits after %q", ErrSignature, SignatureHeader, 2*sha256.Size, signaturePrefix)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return fmt.Errorf("webhook: %w: the signature does not match the timestamp and body", ErrSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > tolerance || skew < -tolerance {
		return fmt.Errorf("webhook: %w: signed at %s, %s from now, more than %s", ErrStale,
			time.Unix(sec, 0).UTC().Format(time.RFC3339), skew.Round(time.Second).Abs(), tolerance)
	}
	return nil
}
