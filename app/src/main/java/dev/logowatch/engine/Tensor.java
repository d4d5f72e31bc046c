package dev.logowatch.engine;

import java.util.Arrays;

/**
 * A dense float tensor in row-major order, the unit models exchange with the pipeline.
 * {@code data} may be longer than the shape needs so that a reused buffer can be passed
 * without copying; only the first {@link #size()} values count. The arrays are shared, not
 * copied: whoever builds a tensor stops writing to it until the call using it returns.
 *
 * @param shape dimensions, outermost first; the first is the batch for model inputs and outputs
 * @param data  the values
 */
public record Tensor(long[] shape, float[] data) {
    public Tensor {
        if (shape.length == 0) {
            throw new IllegalArgumentException("tensor needs at least one dimension");
        }
        long size = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor dimension below 0 in " + Arrays.toString(shape));
            }
            size *= d;
        }
        if (size > data.length) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs " + size
                    + " values, got " + data.length);
        }
    }

    /** Number of values the shape covers. */
    public int size() {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        return (int) size;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return (int) shape[axis];
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
