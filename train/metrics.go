package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/blocks-snn/blocks/internal/atomicfile"
)

// WriteMetrics writes the history as JSON lines, one Metrics object per
// epoch, replacing path atomically.
func WriteMetrics(path string, history []Metrics) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range history {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}

// ReadMetrics reads a metrics.jsonl file.
func ReadMetrics(path string) ([]Metrics, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []Metrics
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}
