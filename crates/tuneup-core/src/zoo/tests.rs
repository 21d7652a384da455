//! Sizes counted by hand against the zoo's counts.

use super::*;
use crate::spec::Mlp;

#[test]
fn counts_by_hand() {
    // MLP 784-512-512-10: 784*512+512 + 512*512+512 + 512*10+10 (torch: 669,706).
    let mlp = ModelSpec::new(Arch::Mlp(Mlp {
        hidden: vec![512, 512],
    }));
    let s = size(&mlp, &[784], 10).unwrap();
    assert_eq!(s.params, 669_706);
    assert_eq!(s.flops, 2 * (784 * 512 + 512 * 512 + 512 * 10));
    // The MNIST-1D paper's CNN on 40 steps: lengths 40 -> 19 -> 9 -> 4;
    // 1*25*5+25 + 2 * (25*25*5+25) + 100*10+10 = 7,460.
    let c = catalogue();
    let conv1d = &c.iter().find(|e| e.name == "conv1d").unwrap().spec;
    let s = size(conv1d, &[40], 10).unwrap();
    assert_eq!(s.params, 150 + 2 * 3150 + 1010);
    assert_eq!(s.flops, 2 * (125 * 19 + 3125 * 9 + 3125 * 4 + 1000) as u64);
    // Residual MLP on 40 features, width 256, 2 blocks, layer norm:
    // 40*256+256 + 2 * (2*256 + 2 * (256*256+256)) + 256*10+10.
    let res = &c.iter().find(|e| e.name == "resmlp").unwrap().spec;
    assert_eq!(
        size(res, &[40], 10).unwrap().params,
        10_496 + 2 * (512 + 131_584) + 2_570
    );
    // The CNN on 1x28x28 (same padding, pool each): 28 -> 14 -> 7;
    // 1*32*9+32 + 32*64*9+64 + 64*7*7*128+128 + 128*10+10.
    let cnn = &c.iter().find(|e| e.name == "cnn").unwrap().spec;
    assert_eq!(
        size(cnn, &[1, 28, 28], 10).unwrap().params,
        320 + 18_496 + 401_536 + 1_290
    );
    assert!(size(cnn, &[40], 10).unwrap_err().contains("image input"));
    let get = |n: &str| c.iter().find(|e| e.name == n).unwrap().spec.clone();
    // ResNet on 1x28x28, batch norm (convs without bias; a norm is 2 x channels):
    // stem 1*16*9 + 32; stage 16: 2 * (16*16*9 + 32); stage 32 (stride 2, 1x1 shortcut):
    // 16*32*9 + 32*32*9 + 16*32 + 3*64; stage 64: 32*64*9 + 64*64*9 + 32*64 + 3*128;
    // the output layer 64*10 + 10.
    assert_eq!(
        size(&get("resnet"), &[1, 28, 28], 10).unwrap().params,
        176 + 2 * 2_336 + 14_528 + 57_728 + 650
    );
    // MobileNet (expansion 4): per block expand ch*4ch + norm, depthwise 4ch*9 + norm,
    // project 4ch*out + norm. Stage 16: 2 x (1,024+128 + 576+128 + 1,024+32); stage 24:
    // (1,152 + 704 + 1,536+48) + (2,304+192 + 864+192 + 2,304+48); stage 32:
    // (2,496 + 1,056 + 3,072+64) + (4,096+256 + 1,152+256 + 4,096+64).
    assert_eq!(
        size(&get("mobilenet"), &[1, 28, 28], 10).unwrap().params,
        176 + 2 * 2_912 + 3_440 + 5_904 + 6_688 + 9_920 + 330
    );
    // SqueezeNet (no norm, biases): stem 1*32*9+32; fires of 64 (squeeze 8, expand 32 + 32):
    // (32*8+8 + 8*32+32 + 8*32*9+32) + (64*8+8 + 288 + 2,336); fires of 128 (squeeze 16,
    // expand 64 + 64): (64*16+16 + 16*64+64 + 16*64*9+64) + (128*16+16 + 1,088 + 9,280).
    assert_eq!(
        size(&get("squeezenet"), &[1, 28, 28], 10).unwrap().params,
        320 + 2_888 + 3_144 + 11_408 + 12_432 + 1_290
    );
    // ShuffleNet (3 groups): stem 1*24*9 + 48; stage 48: (24/3*12+24 + 12*9+24 + 12/3*24+48)
    // + (48/3*12+24 + 132 + 12/3*48+96); stage 96: (48/3*24+48 + 24*9+48 + 24/3*48+96)
    // + (96/3*24+48 + 264 + 24/3*96+192).
    assert_eq!(
        size(&get("shufflenet"), &[1, 28, 28], 10).unwrap().params,
        264 + 396 + 636 + 1_176 + 2_040 + 970
    );
    // GRU of 64 on 40 one-feature steps: 3 gates x (1*64 + 64 + 64*64 + 64), then 64*10+10.
    assert_eq!(
        size(&get("gru"), &[40], 10).unwrap().params,
        3 * (64 + 64 + 4_096 + 64) + 650
    );
    assert!(
        size(&get("resnet"), &[40], 10)
            .unwrap_err()
            .contains("image input")
    );
    assert!(
        size(conv1d, &[1, 28, 28], 10)
            .unwrap_err()
            .contains("signals")
    );
}

#[test]
fn shapes_parse() {
    assert_eq!(parse_shape("1x28x28"), Some(vec![1, 28, 28]));
    assert_eq!(parse_shape("40"), Some(vec![40]));
    assert_eq!(parse_shape("0x3"), None);
    assert_eq!(parse_shape("a"), None);
}
