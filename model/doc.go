// Package model exchanges networks and arrays with the authors' PyTorch
// reference and with numpy. A model file is an .npz archive holding the
// reference's state_dict() of a torch.nn.Sequential of adaptive layers
// (per layer i: "i._beta", "i._p", "i._b", "i._rf_bias" [n_out],
// "i._rf_weight" [n_out, 1, n_in, 1] and, if recurrent, "i._rec_weight"
// [n_out, n_out]; the reference's buffers "i._block.*", "i._p_exp" and
// "i._p_ident_base" are ignored), plus a string array "config" holding
// the layers' hyper-parameters as JSON, and optionally a leaky-integrator
// readout under "readout._weight", "readout._bias" and "readout._beta".
// [Load] and [Save] read and write such files; [LoadArray], [SaveArray]
// and [SaveArrays] read and write plain float arrays (.npy, .npz) for
// inputs and results. [Load] documents the format and its defaults.
package model
