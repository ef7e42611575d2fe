package chip

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSupports_Seed003Matrix checks every cell of platform x browser x
// connection against the MitID chip page: Windows USB/NFC/Bluetooth but no
// Bluetooth on Windows 11; macOS USB; Android USB/NFC/Bluetooth; iOS NFC;
// Chrome, Firefox, Safari, Edge but not Internet Explorer. Safari exists only
// on macOS and iOS, and Linux is not a MitID platform.
func TestSupports_Seed003Matrix(t *testing.T) {
	const all, none = "usb nfc ble", ""
	// want[platform][browser] lists the connections that work.
	want := map[Platform]map[Browser]string{
		PlatformWindows: {
			BrowserChrome: all, BrowserFirefox: all, BrowserSafari: none, BrowserEdge: all, BrowserInternetExplorer: none,
		},
		PlatformWindows11: {
			BrowserChrome: "usb nfc", BrowserFirefox: "usb nfc", BrowserSafari: none, BrowserEdge: "usb nfc", BrowserInternetExplorer: none,
		},
		PlatformMacOS: {
			BrowserChrome: "usb", BrowserFirefox: "usb", BrowserSafari: "usb", BrowserEdge: "usb", BrowserInternetExplorer: none,
		},
		PlatformAndroid: {
			BrowserChrome: all, BrowserFirefox: all, BrowserSafari: none, BrowserEdge: all, BrowserInternetExplorer: none,
		},
		PlatformIOS: {
			BrowserChrome: "nfc", BrowserFirefox: "nfc", BrowserSafari: "nfc", BrowserEdge: "nfc", BrowserInternetExplorer: none,
		},
		PlatformLinux: {
			BrowserChrome: none, BrowserFirefox: none, BrowserSafari: none, BrowserEdge: none, BrowserInternetExplorer: none,
		},
		Platform("beos"): {
			BrowserChrome: none, BrowserFirefox: none, BrowserSafari: none, BrowserEdge: none, BrowserInternetExplorer: none,
		},
	}
	browsers := []Browser{BrowserChrome, BrowserFirefox, BrowserSafari, BrowserEdge, BrowserInternetExplorer, Browser("netscape")}
	conns := []Connection{ConnectionUSB, ConnectionNFC, ConnectionBluetooth, Connection("serial")}
	cells := 0
	for platform, row := range want {
		for _, browser := range browsers {
			for _, conn := range conns {
				cells++
				wantOK := strings.Contains(" "+row[browser]+" ", " "+string(conn)+" ")
				t.Run(fmt.Sprintf("%s/%s/%s", platform, browser, conn), func(t *testing.T) {
					ok, reason := Supports(platform, browser, conn)
					assert.Equal(t, wantOK, ok, reason)
					assert.NotEmpty(t, reason, "every answer says why or how")
				})
			}
		}
	}
	assert.Equal(t, 7*6*4, cells)
}

func TestSupports_Reasons(t *testing.T) {
	tests := []struct {
		platform Platform
		browser  Browser
		conn     Connection
		contains string
	}{
		{PlatformWindows11, BrowserEdge, ConnectionBluetooth, "use USB or NFC"},
		{PlatformIOS, BrowserSafari, ConnectionBluetooth, "use NFC"},
		{PlatformMacOS, BrowserSafari, ConnectionNFC, "use USB"},
		{PlatformWindows, BrowserInternetExplorer, ConnectionUSB, "Internet Explorer"},
		{PlatformWindows, BrowserSafari, ConnectionUSB, "Safari does not run on Windows"},
		{PlatformLinux, BrowserFirefox, ConnectionUSB, "Windows, macOS, Android and iOS"},
		{PlatformAndroid, BrowserChrome, ConnectionNFC, "do not press its button"},
		{PlatformAndroid, BrowserChrome, ConnectionNFC, "turn NFC on"},
		{PlatformWindows, BrowserFirefox, ConnectionBluetooth, "pair the chip"},
		{PlatformMacOS, BrowserChrome, ConnectionUSB, "press its button"},
	}
	for _, tt := range tests {
		_, reason := Supports(tt.platform, tt.browser, tt.conn)
		assert.Contains(t, reason, tt.contains, "%s/%s/%s", tt.platform, tt.browser, tt.conn)
	}
}

func TestConnection_ValuesAreWebAuthnTransports(t *testing.T) {
	assert.Equal(t, TransportUSB, string(ConnectionUSB))
	assert.Equal(t, TransportNFC, string(ConnectionNFC))
	assert.Equal(t, TransportBLE, string(ConnectionBluetooth))
}
