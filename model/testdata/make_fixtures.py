# Writes the numpy fixtures of the model package's tests (run once with
# numpy installed; the tests themselves need no Python):
#
#   reference.npz  a model as the PyTorch reference's state_dict() converted
#                  to numpy would be saved: float64 arrays, the reference's
#                  buffers (_block.*, _p_exp, _p_ident_base), recurrent
#                  weights in Fortran order (also in the feed-forward layer,
#                  where they are unused), and a config with defaults left out.
#   bigendian.npy  a big-endian float64 array.
#
# Values follow formulas that model_test.go's TestReferenceFixture recomputes.
import json
import numpy as np

def layer(n_in, n_out):
    d = {
        "_beta": 0.9 - 0.01 * np.arange(n_out),
        "_p": 0.95 + 0.001 * np.arange(n_out),
        "_b": 1.8 - 0.1 * np.arange(n_out),
        "_rf_weight": (np.arange(n_out)[:, None] * 10 + np.arange(n_in)[None, :]).reshape(n_out, 1, n_in, 1) / 100.0,
        "_rf_bias": 0.01 * np.arange(n_out),
        "_block._p_exp_pow": np.ones((n_out, 3)),
        "_p_exp": np.ones(n_out),
        "_p_ident_base": np.eye(3),
        "_rec_weight": np.asfortranarray((np.arange(n_out)[:, None] * n_out + np.arange(n_out)[None, :]) / 50.0),
    }
    return d

state = {}
for i, (n_in, n_out) in enumerate([(3, 4), (4, 2)]):
    for k, v in layer(n_in, n_out).items():
        state[f"{i}.{k}"] = v
config = {"layers": [{"arp": 2, "recurrent": True, "surrogate": "fast_sigmoid"},
                     {"arp": 0, "recurrent": False, "adapt": False, "surrogate": "box_car", "detach_spike_grad": False}],
          "dt_ms": 1.0}
np.savez("reference.npz", config=np.array([json.dumps(config)]), **state)
np.save("bigendian.npy", np.arange(6, dtype=">f8").reshape(2, 3) / 4)
