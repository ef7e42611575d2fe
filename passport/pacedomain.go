package passport

import (
	"errors"
	"fmt"

	"github.com/go-mitid/mitid/passport/internal/dh"
	"github.com/go-mitid/mitid/passport/internal/pace"
)

// paceDomainFor returns the domain of a PACEInfo: its standardized
// parameters, or the PACEDomainParameterInfo it refers to.
func paceDomainFor(info PACEInfo, ecdh bool) (pace.Domain, error) {
	if d := info.custom; d != nil {
		switch {
		case d.ParameterError != nil:
			return nil, d.ParameterError
		case ecdh && d.Curve != nil:
			return pace.ECDomain{C: d.Curve}, nil
		case !ecdh && d.DHGroup != nil:
			return pace.DHDomain{G: d.DHGroup}, nil
		}
		return nil, fmt.Errorf("PACEDomainParameterInfo %d does not hold %s parameters", d.ParameterID, map[bool]string{true: "ECDH", false: "DH"}[ecdh])
	}
	if !info.HasParameterID {
		return nil, errors.New("PACEInfo without domain parameters")
	}
	if ecdh {
		c, err := pace.StandardCurve(info.ParameterID)
		if err != nil {
			return nil, err
		}
		return pace.ECDomain{C: c}, nil
	}
	g, err := dh.StandardGroup(info.ParameterID)
	if err != nil {
		return nil, err
	}
	return pace.DHDomain{G: g}, nil
}
