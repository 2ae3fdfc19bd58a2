package adpublish

import (
	"strings"
	"testing"
)

func TestSanitizeName(t *testing.T) {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ" // 52 characters
	tests := []struct {
		name, in, want string
	}{
		{"MS-WCCE 1.3.2.5 example", "LongCAName(WithSpeci@#$%^Characters", "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters"},
		// PSPKI escapes 'z' (its upper bound is 0x79): the spec keeps it.
		{"plain name unchanged", "Amazon Root CA 1", "Amazon Root CA 1"},
		{"kept punctuation", "a $-.@~ b", "a $-.@~ b"},
		{"parentheses", "Entrust.net Certification Authority (2048)", "Entrust.net Certification Authority !00282048!0029"},
		{"escaped ASCII characters 1", "!\"#%&'()*+,", "!0021!0022!0023!0025!0026!0027!0028!0029!002a!002b-01303"},
		{"escaped ASCII characters 2", "/:;<=>?[\\]", "!002f!003a!003b!003c!003d!003e!003f!005b!005c!005d"},
		{"escaped ASCII characters 3", "^`{|}", "!005e!0060!007b!007c!007d"},
		{"control characters", "a\tb\x7f", "a!0009b!007f"},
		{"non-ASCII BMP", "Türk", "T!00fcrk"},
		{"non-BMP as UTF-16 surrogates", "CA \U0001F600", "CA !d83d!de00"},
		{"51 characters kept whole", alpha[:51], alpha[:51]},
		// One character cut off: the hash of "Z" alone is its code, 90.
		{"52 characters", alpha, alpha[:51] + "-00090"},
		{"over 51 characters after escaping", "Türktrust Elektronik Sertifika Hizmet Sağlayıcısı",
			"T!00fcrktrust Elektronik Sertifika Hizmet Sa!011fla-05968"},
		{"long name", "Microsoft RSA Root Certificate Authority 2017 - Long Name For Test",
			"Microsoft RSA Root Certificate Authority 2017 - Lon-39606"},
		// "!0028" occupies characters 47..51: complete, kept.
		{"escape ending exactly at the cut", alpha[:46] + "(xyz) tail", alpha[:46] + "!0028-54799"},
		// "!0028" would occupy characters 48..52: the cut removes all of it.
		{"cut inside an escape sequence", alpha[:47] + "(xyz) tail", alpha[:47] + "-22189"},
		{"cut just after the escape's '!'", alpha[:50] + "(xyz) tail", alpha[:50] + "-22189"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeName(tt.in)
			if got != tt.want {
				t.Errorf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > MaxNameLength {
				t.Errorf("SanitizeName(%q) has %d characters, more than %d", tt.in, len(got), MaxNameLength)
			}
		})
	}
}

func FuzzSanitizeName(f *testing.F) {
	f.Add("LongCAName(WithSpeci@#$%^Characters")
	f.Add(strings.Repeat("(", 40))
	f.Add("Türktrust Elektronik Sertifika Hizmet Sağlayıcısı")
	f.Fuzz(func(t *testing.T, s string) {
		got := SanitizeName(s)
		if len(got) > MaxNameLength {
			t.Fatalf("SanitizeName(%q) = %q: %d characters", s, got, len(got))
		}
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c < 0x20 || c > 0x7e || (c != '!' && strings.IndexByte(disallowed, c) >= 0) {
				t.Fatalf("SanitizeName(%q) = %q keeps %q", s, got, c)
			}
		}
	})
}
