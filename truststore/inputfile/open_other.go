//go:build !unix

package inputfile

const openNonBlocking = 0
