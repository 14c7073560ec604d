package network

import (
	"fmt"
	"math"
)

// CrossEntropy returns the mean cross-entropy of softmax(logits) against
// labels, and its gradient with respect to the logits. logits is [B][K].
func CrossEntropy(logits []float32, labels []int, k int) (float64, []float32, error) {
	if k <= 0 || len(logits) != len(labels)*k {
		return 0, nil, fmt.Errorf("network: %d logits for %d labels of %d classes", len(logits), len(labels), k)
	}
	grad := make([]float32, len(logits))
	var loss float64
	inv := 1 / float64(len(labels))
	for b, y := range labels {
		if y < 0 || y >= k {
			return 0, nil, fmt.Errorf("network: label %d of sample %d is outside 0…%d", y, b, k-1)
		}
		row := logits[b*k : (b+1)*k]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, float64(v))
		}
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) - m)
		}
		loss += (m + math.Log(z) - float64(row[y])) * inv
		for i, v := range row {
			pr := math.Exp(float64(v)-m) / z
			if i == y {
				pr--
			}
			grad[b*k+i] = float32(pr * inv)
		}
	}
	return loss, grad, nil
}
