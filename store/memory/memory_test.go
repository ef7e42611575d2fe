package memory_test

import (
	"testing"

	"github.com/go-mitid/mitid"
	"github.com/go-mitid/mitid/store/memory"
	"github.com/go-mitid/mitid/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) mitid.Store { return memory.New() })
}
