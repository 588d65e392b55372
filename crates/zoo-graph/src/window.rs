//! Output-size arithmetic of sliding windows (Conv, MaxPool, AveragePool), as the ONNX
//! operator specs give it (https://onnx.ai/onnx/operators/onnx__MaxPool.html, "output_spatial_shape"):
//!
//! `out = floor_or_ceil((in + pad_begin + pad_end - ((k - 1) * d + 1)) / stride) + 1`
//!
//! With `ceil_mode`, a last window that would start inside the end padding is dropped, as
//! PyTorch and ONNX Runtime do (onnx opset 19+ spells this out).

/// One spatial axis of a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub kernel: usize,
    pub stride: usize,
    pub pad_begin: usize,
    pub pad_end: usize,
    pub dilation: usize,
    pub ceil: bool,
}

/// Why a window does not fit its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// stride, kernel or dilation of zero.
    Zero,
    /// the dilated kernel is larger than the padded input.
    TooLarge { kernel: usize, padded: usize },
}

impl Window {
    pub fn dilated_kernel(&self) -> usize {
        (self.kernel.saturating_sub(1)) * self.dilation + 1
    }

    pub fn output(&self, input: usize) -> Result<usize, WindowError> {
        if self.kernel == 0 || self.stride == 0 || self.dilation == 0 {
            return Err(WindowError::Zero);
        }
        let padded = input + self.pad_begin + self.pad_end;
        let k = self.dilated_kernel();
        if k > padded {
            return Err(WindowError::TooLarge { kernel: k, padded });
        }
        let span = padded - k;
        let mut out = span / self.stride + 1;
        if self.ceil && !span.is_multiple_of(self.stride) {
            out += 1;
            // The last window must start inside the input or the begin padding.
            if (out - 1) * self.stride >= input + self.pad_begin {
                out -= 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(kernel: usize, stride: usize, pad: usize, ceil: bool) -> Window {
        Window { kernel, stride, pad_begin: pad, pad_end: pad, dilation: 1, ceil }
    }

    #[test]
    fn alexnet_sizes() {
        // Krizhevsky et al. 2012 at 227: 55 → 27 → 13 → 6.
        assert_eq!(w(11, 4, 0, false).output(227), Ok(55));
        assert_eq!(w(3, 2, 0, false).output(55), Ok(27));
        assert_eq!(w(5, 1, 2, false).output(27), Ok(27));
        assert_eq!(w(3, 2, 0, false).output(27), Ok(13));
        assert_eq!(w(3, 2, 0, false).output(13), Ok(6));
        // torchvision at 224: conv1 pad 2 gives 55 as well.
        assert_eq!(w(11, 4, 2, false).output(224), Ok(55));
    }

    #[test]
    fn ceil_mode() {
        // GoogLeNet (torchvision): 112 → 56 with a ceil-mode 3/2 pool; floor gives 55.
        assert_eq!(w(3, 2, 0, true).output(112), Ok(56));
        assert_eq!(w(3, 2, 0, false).output(112), Ok(55));
        // A window starting in the end padding is dropped: 5 with k2 s2 p1 ceil → 3, not 4.
        assert_eq!(w(2, 2, 1, true).output(5), Ok(3));
    }

    #[test]
    fn rejects_impossible_windows() {
        assert_eq!(w(5, 1, 0, false).output(4), Err(WindowError::TooLarge { kernel: 5, padded: 4 }));
        assert_eq!(w(3, 0, 0, false).output(4), Err(WindowError::Zero));
        let dil = Window { dilation: 3, ..w(3, 1, 0, false) };
        assert_eq!(dil.output(6), Err(WindowError::TooLarge { kernel: 7, padded: 6 }));
    }

    proptest! {
        /// Floor mode counts, by enumeration, the window starts whose window fits the padded
        /// input; ceil mode adds one partial window exactly when some input is left over and
        /// that window starts before the end padding.
        #[test]
        fn matches_enumeration(input in 1usize..64, kernel in 1usize..8, stride in 1usize..5,
                               pb in 0usize..4, pe in 0usize..4, dilation in 1usize..3) {
            let floor = Window { kernel, stride, pad_begin: pb, pad_end: pe, dilation, ceil: false };
            let ceil = Window { ceil: true, ..floor };
            let padded = input + pb + pe;
            let k = floor.dilated_kernel();
            let fits = (0..padded).step_by(stride).filter(|&s| s + k <= padded).count();
            if fits == 0 {
                prop_assert!(floor.output(input).is_err());
                prop_assert!(ceil.output(input).is_err());
            } else {
                prop_assert_eq!(floor.output(input), Ok(fits));
                let leftover = !(padded - k).is_multiple_of(stride);
                let partial = leftover && fits * stride < input + pb;
                prop_assert_eq!(ceil.output(input), Ok(fits + usize::from(partial)));
            }
        }
    }
}
