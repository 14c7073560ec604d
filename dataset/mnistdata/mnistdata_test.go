package mnistdata

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestChecksums(t *testing.T) {
	for name, want := range SHA256 {
		b, err := Raw(name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, want %s", name, got, want)
		}
	}
}
