package chip

import "fmt"

// Platform is the operating system a user connects the chip to.
type Platform string

// Platforms named on the MitID chip page (mitid.dk: MitID chip). Windows 11 is its own
// value because it differs: no chip over Bluetooth.
const (
	PlatformWindows   Platform = "windows" // Windows 10 and earlier
	PlatformWindows11 Platform = "windows11"
	PlatformMacOS     Platform = "macos"
	PlatformAndroid   Platform = "android"
	PlatformIOS       Platform = "ios"
	PlatformLinux     Platform = "linux" // not supported by MitID
)

// Browser is the web browser running the ceremony.
type Browser string

// Browsers named on the MitID chip page.
const (
	BrowserChrome           Browser = "chrome"
	BrowserFirefox          Browser = "firefox"
	BrowserSafari           Browser = "safari"
	BrowserEdge             Browser = "edge"
	BrowserInternetExplorer Browser = "ie" // not supported by MitID
)

// Connection is how the chip talks to the device. The values are WebAuthn's
// transport names, so Credential.Transports compare directly.
type Connection string

// The chip's three connections: USB HID, NFC (ISO 14443), Bluetooth 4.0.
const (
	ConnectionUSB       Connection = TransportUSB
	ConnectionNFC       Connection = TransportNFC
	ConnectionBluetooth Connection = TransportBLE
)

// chipConnections is the connection table of the MitID chip page (mitid.dk: MitID chip):
// Windows USB, NFC, Bluetooth (not Windows 11); macOS USB; Android USB, NFC,
// Bluetooth; iOS NFC.
var chipConnections = map[Platform][]Connection{
	PlatformWindows:   {ConnectionUSB, ConnectionNFC, ConnectionBluetooth},
	PlatformWindows11: {ConnectionUSB, ConnectionNFC},
	PlatformMacOS:     {ConnectionUSB},
	PlatformAndroid:   {ConnectionUSB, ConnectionNFC, ConnectionBluetooth},
	PlatformIOS:       {ConnectionNFC},
}

var platformNames = map[Platform]string{
	PlatformWindows: "Windows", PlatformWindows11: "Windows 11", PlatformMacOS: "macOS",
	PlatformAndroid: "Android", PlatformIOS: "iOS", PlatformLinux: "Linux",
}

var connectionNames = map[Connection]string{
	ConnectionUSB: "USB", ConnectionNFC: "NFC", ConnectionBluetooth: "Bluetooth",
}

// Supports answers whether a MitID chip works on platform, in browser, over
// conn, following the MitID chip page. The reason says what to do: how to
// connect when it works, what to use instead when it does not.
func Supports(platform Platform, browser Browser, conn Connection) (bool, string) {
	pname, ok := platformNames[platform]
	if !ok {
		return false, fmt.Sprintf("unknown platform %q", platform)
	}
	cname, ok := connectionNames[conn]
	if !ok {
		return false, fmt.Sprintf("unknown connection %q; the chip connects over USB, NFC or Bluetooth", conn)
	}
	switch browser {
	case BrowserChrome, BrowserFirefox, BrowserEdge:
	case BrowserSafari:
		if platform != PlatformMacOS && platform != PlatformIOS {
			return false, fmt.Sprintf("Safari does not run on %s; use Chrome, Firefox or Edge", pname)
		}
	case BrowserInternetExplorer:
		return false, "Internet Explorer does not support the MitID chip; use Chrome, Firefox, Safari or Edge"
	default:
		return false, fmt.Sprintf("unknown browser %q; the MitID chip works in Chrome, Firefox, Safari and Edge", browser)
	}
	conns, ok := chipConnections[platform]
	if !ok {
		return false, fmt.Sprintf("the MitID chip does not support %s; it works on Windows, macOS, Android and iOS", pname)
	}
	for _, c := range conns {
		if c == conn {
			return true, howToConnect(platform, conn)
		}
	}
	alts := ""
	for i, c := range conns {
		switch {
		case i == 0:
		case i == len(conns)-1:
			alts += " or "
		default:
			alts += ", "
		}
		alts += connectionNames[c]
	}
	return false, fmt.Sprintf("on %s the chip does not connect over %s; use %s", pname, cname, alts)
}

func howToConnect(platform Platform, conn Connection) string {
	switch conn {
	case ConnectionNFC:
		s := "hold the chip to the back of the device and do not press its button (pressing it turns NFC off); remove a thick cover"
		switch platform {
		case PlatformAndroid:
			s += "; turn NFC on in the phone's settings if it is off"
		case PlatformIOS:
			s += "; NFC is always on on iOS"
		}
		return s
	case ConnectionBluetooth:
		return "pair the chip with the device over Bluetooth first, then press its button"
	default:
		return "connect the chip with its USB cable and press its button"
	}
}
