//! The GRU net: stacked GRUs over a signal's steps, the last step's state, dropout, the output
//! layer.

use burn::module::Module;
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::ModelSpec;

use super::layers::{linear_l1, total};

#[derive(Module, Debug)]
pub struct GruNet {
    grus: Vec<Gru>,
    dropout: Dropout,
    out: Linear,
    #[module(skip)]
    input: [usize; 2],
}

impl GruNet {
    pub(super) fn new(
        a: &tuneup_core::spec::Gru,
        m: &ModelSpec,
        shape: &[usize],
        outputs: usize,
        device: &Device,
    ) -> Result<GruNet, String> {
        let (c, l) = tuneup_core::zoo::signal(shape)?;
        Ok(GruNet {
            grus: (0..a.layers)
                .map(|i| {
                    GruConfig::new(if i == 0 { c } else { a.hidden }, a.hidden, true).init(device)
                })
                .collect(),
            dropout: DropoutConfig::new(m.output_dropout()).init(),
            out: LinearConfig::new(a.hidden, outputs).init(device),
            input: [c, l],
        })
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let [c, l] = self.input;
        // [batch, channels, steps] -> [batch, steps, channels]
        let mut x: Tensor<3> = x.reshape([b, c, l]).swap_dims(1, 2);
        for g in &self.grus {
            x = g.forward(x, None);
        }
        let [_, _, h] = x.dims();
        let last: Tensor<2> = x.slice([0..b, l - 1..l, 0..h]).reshape([b, h]);
        self.out.forward(self.dropout.forward(last))
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.grus
                .iter()
                .flat_map(|g| [&g.update_gate, &g.reset_gate, &g.new_gate])
                .flat_map(|gate| [&gate.input_transform, &gate.hidden_transform])
                .map(linear_l1)
                .chain([linear_l1(&self.out)]),
        )
    }
}
