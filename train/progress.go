package train

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// bar is a progress bar over the samples of an epoch, with the running
// loss, accuracy and samples/s in its description and the elapsed and
// remaining time; a nil *bar draws nothing.
type bar struct {
	pb     *progressbar.ProgressBar
	prefix string
}

func newBar(w io.Writer, n int, prefix string) *bar {
	if w == nil {
		return nil
	}
	return &bar{prefix: prefix, pb: progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(prefix),
		progressbar.OptionSetWidth(20),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (b *bar) update(k int, desc string) {
	if b == nil {
		return
	}
	if desc != "" {
		b.pb.Describe(b.prefix + " " + desc)
	}
	b.pb.Add(k)
}

// finish erases the bar, so that what follows on the terminal starts on a
// clean line.
func (b *bar) finish() {
	if b == nil || b.pb.IsFinished() {
		return
	}
	b.pb.Finish()
	b.pb.Clear()
}
