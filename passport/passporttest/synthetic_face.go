package passporttest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
)

// FaceJPEG draws a small frontal "face" (an oval with eyes,
// nose and mouth on a light background, like an ICAO portrait's layout) and
// encodes it as a real baseline JPEG. The drawing and the encoding are
// deterministic, so the bytes are the same on every call.
func FaceJPEG(width, height int) ([]byte, error) {
	if width < 16 || height < 16 || width > 2048 || height > 2048 {
		width, height = 60, 80
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	bg := color.RGBA{0xE8, 0xEC, 0xF0, 0xFF}
	skin := color.RGBA{0xE0, 0xB0, 0x90, 0xFF}
	hair := color.RGBA{0x40, 0x2A, 0x18, 0xFF}
	dark := color.RGBA{0x20, 0x20, 0x28, 0xFF}
	lips := color.RGBA{0xB0, 0x50, 0x50, 0xFF}
	cx, cy := float64(width)/2, float64(height)*0.52
	rx, ry := float64(width)*0.32, float64(height)*0.36
	inEllipse := func(x, y, ex, ey, ax, ay float64) bool {
		dx, dy := (x-ex)/ax, (y-ey)/ay
		return dx*dx+dy*dy <= 1
	}
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			c := bg
			switch {
			case inEllipse(fx, fy, cx, cy-ry*0.35, rx*1.08, ry*0.8) && fy < cy-ry*0.35:
				c = hair
			case inEllipse(fx, fy, cx, cy, rx, ry):
				c = skin
				eyeY, eyeDX := cy-ry*0.2, rx*0.42
				switch {
				case inEllipse(fx, fy, cx-eyeDX, eyeY, rx*0.15, ry*0.07), inEllipse(fx, fy, cx+eyeDX, eyeY, rx*0.15, ry*0.07):
					c = dark
				case inEllipse(fx, fy, cx, cy+ry*0.45, rx*0.38, ry*0.07):
					c = lips
				case fx > cx-rx*0.06 && fx < cx+rx*0.06 && fy > eyeY && fy < cy+ry*0.2:
					c = color.RGBA{0xC8, 0x98, 0x78, 0xFF}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
