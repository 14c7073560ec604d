// Package train trains networks of adaptive LIF neurons on spiking
// classification datasets (DESIGN §5.2): the Adam optimiser exactly as
// PyTorch defines it, a MultiStepLR-style learning-rate schedule, the
// training loop (per-epoch shuffling derived from the seed and the epoch,
// mini-batches, evaluation on the test split every epoch, best-model
// keeping), checkpoints that resume a run bit for bit, metrics as JSON
// lines, and PNG plots of the learning curves and of spike rasters.
//
// Files a run writes to its output directory:
//
//	checkpoint.npz   the state after the last finished epoch (see [SaveCheckpoint])
//	best.npz         the model with the best test accuracy so far, same format
//	metrics.jsonl    one [Metrics] object per finished epoch
//	loss.png, accuracy.png, raster_layer<i>.png   written at the end
//
// Every file is written atomically (temporary file, fsync, rename).
package train
