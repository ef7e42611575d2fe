package mitid_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-mitid/mitid"
)

// TestPolicy_EveryFieldIsRead enumerates Policy's fields and fails when one
// is read by no code: a number in the policy that changes nothing would
// let an integrator believe a rule is enforced when it is not. A field
// counts as read when a selector .Field appears in the package's non-test
// code outside the policy's own definition, default and validator.
func TestPolicy_EveryFieldIsRead(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	read := map[string]bool{}
	skip := map[string]bool{"DefaultPolicy": true, "Validate": true, "sane": true, "diffFields": true}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && name == "policy.go" && skip[fd.Name.Name] {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					read[sel.Sel.Name] = true
				}
				return true
			})
		}
	}
	typ := reflect.TypeOf(mitid.Policy{})
	for i := range typ.NumField() {
		assert.True(t, read[typ.Field(i).Name], "Policy.%s is read by no code", typ.Field(i).Name)
	}
}

func TestAdvise_ChannelsAndASpare(t *testing.T) {
	e := newLoginEnv(t, checkedStore(t))
	h := e.enrol(t, "rådgivning", mitid.LevelSubstantial, mitid.KindApp) // SMS only
	adv, err := e.svc.Advise(e.ctx, h.user.ID)
	require.NoError(t, err)
	var codes []mitid.AdviceCode
	for _, a := range adv {
		codes = append(codes, a.Code)
	}
	assert.Equal(t, []mitid.AdviceCode{mitid.AdviceMoreChannels, mitid.AdviceSpare}, codes)

	p := e.svc.Policy()
	p.RecommendedChannels = 1
	svc, err := mitid.New(mitid.Config{Store: e.svc.Store(), Keys: mustKeys(t), Clock: e.clock, Policy: &p})
	require.NoError(t, err)
	adv, err = svc.Advise(e.ctx, h.user.ID)
	require.NoError(t, err)
	require.Len(t, adv, 1, "one channel is enough under this policy")
	assert.Equal(t, mitid.AdviceSpare, adv[0].Code)
}
