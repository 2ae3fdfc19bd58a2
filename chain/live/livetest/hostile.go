package livetest

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"time"
)

// Hostile endpoints. Most are real misbehaving TCP servers; the oversized
// chains are a FAKE TLS server (a handcrafted record stream), because no
// TLS library will send a 1000-certificate or 10 MB chain.

// Silent accepts and never answers.
func Silent(c net.Conn) {
	_, _ = io.Copy(io.Discard, c)
	c.Close()
}

// Drip reads the ClientHello and then sends a TLS record header one
// byte every 200 ms, forever: a slow drip that never completes.
func Drip(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	if _, err := c.Read(buf); err != nil {
		return
	}
	drip := []byte{22, 3, 3, 0x40, 0x00}
	for i := 0; ; i++ {
		if _, err := c.Write(drip[i%len(drip) : i%len(drip)+1]); err != nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Garbage answers a ClientHello with an HTTP error page.
func Garbage(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	_, _ = c.Read(buf)
	_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
}

// Reset reads the ClientHello, sends half a ServerHello record and
// resets the connection (RST, by closing with SO_LINGER 0).
func Reset(c net.Conn) {
	buf := make([]byte, 4096)
	_, _ = c.Read(buf)
	_, _ = c.Write([]byte{22, 3, 3, 0, 80, 2, 0, 0})
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// FakeChain is a FAKE TLS server: it reads the ClientHello, answers
// with a handcrafted ServerHello (TLS 1.0 with an RSA suite for a TLS 1.0
// ClientHello, TLS 1.2 with ECDHE otherwise) and then streams a Certificate
// message of entries entries of entrySize bytes each, in 16 KiB records,
// without ever holding the whole message in memory.
func FakeChain(entries, entrySize int) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
		if _, err := io.ReadFull(c, body); err != nil || len(body) < 6 {
			return
		}
		version, suite := uint16(0x0303), uint16(0xc02f) // TLS 1.2, ECDHE_RSA_WITH_AES_128_GCM_SHA256
		if binary.BigEndian.Uint16(body[4:6]) == 0x0301 {
			version, suite = 0x0301, 0x002f // TLS 1.0, RSA_WITH_AES_128_CBC_SHA
		}
		var hs bytes.Buffer
		hello := make([]byte, 0, 38)
		hello = binary.BigEndian.AppendUint16(hello, version)
		hello = append(hello, make([]byte, 32)...) // server random
		hello = append(hello, 0)                   // no session id
		hello = binary.BigEndian.AppendUint16(hello, suite)
		hello = append(hello, 0) // no compression
		hs.Write([]byte{2, 0, 0, byte(len(hello))})
		hs.Write(hello)
		list := entries * (3 + entrySize)
		hs.Write([]byte{11, byte((list + 3) >> 16), byte((list + 3) >> 8), byte(list + 3)})
		hs.Write([]byte{byte(list >> 16), byte(list >> 8), byte(list)})
		parts := []io.Reader{&hs}
		for range entries {
			parts = append(parts,
				bytes.NewReader([]byte{byte(entrySize >> 16), byte(entrySize >> 8), byte(entrySize)}),
				io.LimitReader(fill{}, int64(entrySize)))
		}
		stream := io.MultiReader(parts...)
		rec := make([]byte, 5+16384)
		for {
			n, err := io.ReadFull(stream, rec[5:])
			if n > 0 {
				rec[0], rec[1], rec[2] = 22, byte(version>>8), byte(version)
				binary.BigEndian.PutUint16(rec[3:], uint16(n))
				if _, werr := c.Write(rec[:5+n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
}

// fill is an endless stream of 0x30 bytes (the first byte of a DER
// SEQUENCE), standing in for certificate contents.
type fill struct{}

func (fill) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x30
	}
	return len(p), nil
}
