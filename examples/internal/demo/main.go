package demo

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// Listen listens on addr and returns the listener and the site's origin:
// http://localhost:PORT on loopback, as WebAuthn needs a host name, not an
// address.
func Listen(addr string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	origin := "http://" + ln.Addr().String()
	if host, port, _ := net.SplitHostPort(ln.Addr().String()); host == "127.0.0.1" || host == "::1" {
		origin = "http://localhost:" + port
	}
	return ln, origin, nil
}

// Site is an example server: it serves, and Close releases its store.
type Site interface {
	http.Handler
	Close()
}

// Main is an example server's main: its flags (-addr, -dsn or MITID_DSN,
// -demo), the site built on a listener, its URL printed, served until killed.
// build builds the site; its Close releases the site's store.
func Main[S Site](name, defaultAddr string, build func(ctx context.Context, o Options, demoMode bool) (S, error)) {
	addr := flag.String("addr", defaultAddr, "address to listen on")
	dsn := flag.String("dsn", os.Getenv("MITID_DSN"), "PostgreSQL address (default: the memory store; or set MITID_DSN)")
	demoMode := flag.Bool("demo", true, "demo mode: the /demo page with the demo people's codes, and the demo clock")
	flag.Parse()
	ln, origin, err := Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	h, err := build(context.Background(), Options{Origin: origin, DSN: *dsn}, *demoMode)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s at %s\n", name, origin)
	// A slow client cannot hold a connection open forever by dribbling its headers.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	err = srv.Serve(ln)
	h.Close() // log.Fatal skips deferred calls
	log.Fatal(err)
}
