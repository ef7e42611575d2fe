#!/bin/sh
# generate.sh regenerates the per-digit voice samples embedded by package voice.
#
# The samples are checked in so that building and testing never needs a speech
# synthesizer; this script is how they were made, so anyone can remake or audit them:
#
#   apt-get install -y espeak-ng sox      # Debian bookworm: espeak-ng 1.51, SoX 14.4.2
#   sh codedisplay/internal/voice/generate.sh
#
# Every step is deterministic (espeak-ng's synthesis, SoX with dithering off), so a rerun
# with the same tool versions reproduces the files byte for byte; MANIFEST.txt records the
# versions, the phonemes espeak-ng chose and a SHA-256 of every file to check that.
#
# Format: WAV, PCM, mono, 16-bit little-endian, 11025 Hz (half espeak-ng's native 22050 Hz).
# 11025 Hz keeps speech intelligible while all twenty samples stay near 140 KB together.
# Each sample is trimmed of leading and trailing silence, peak-normalised to -1 dBFS and
# given a 5 ms fade-in and 10 ms fade-out so that joining digits never clicks.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
rate=11025
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v espeak-ng >/dev/null || { echo "generate.sh: espeak-ng not found (apt-get install espeak-ng)" >&2; exit 1; }
command -v sox >/dev/null || { echo "generate.sh: sox not found (apt-get install sox)" >&2; exit 1; }

manifest="$here/MANIFEST.txt"
{
	echo "# Per-digit voice samples; regenerate with generate.sh. Do not edit by hand."
	echo "# $(espeak-ng --version | sed 's/  */ /g')"
	echo "# $(sox --version | sed 's/^sox: *//')"
	echo "# format: WAV PCM mono 16-bit ${rate} Hz"
	echo "# language voice digit phonemes samples sha256"
} >"$manifest"

# language directory : espeak-ng voice. Danish first: MitID is Danish.
for pair in da:da en:en-gb-x-rp; do
	lang=${pair%%:*}
	voice=${pair#*:}
	mkdir -p "$here/$lang"
	for d in 0 1 2 3 4 5 6 7 8 9; do
		# The digit itself, not a word: each voice reads it the way its language says it.
		espeak-ng -v "$voice" -w "$tmp/raw.wav" "$d"
		sox -D "$tmp/raw.wav" -r "$rate" -b 16 -c 1 "$tmp/trim.wav" \
			silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse norm -1
		sox -D "$tmp/trim.wav" "$here/$lang/$d.wav" fade t 0.005 -0 0.01
		phon=$(espeak-ng -v "$voice" -q -x "$d" | tr -d ' \n')
		n=$(soxi -s "$here/$lang/$d.wav")
		sum=$(sha256sum "$here/$lang/$d.wav" | cut -d' ' -f1)
		echo "$lang $voice $d $phon $n $sum" >>"$manifest"
	done
done
echo "generate.sh: wrote $(ls "$here"/da/*.wav "$here"/en/*.wav | wc -l) samples, $(cat "$here"/da/*.wav "$here"/en/*.wav | wc -c) bytes"
