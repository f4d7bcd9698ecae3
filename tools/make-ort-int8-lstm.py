#!/usr/bin/python3
"""ONNX Runtime's own int8 LSTM for the benchmarks: turns each f32 LSTM graph the bench writes
(lstm-IxH.onnx, from `java -cp bench/target/benchmarks.jar io.sequin.bench.BenchModels DIR`) into
lstm-IxH-int8.onnx, one com.microsoft.DynamicQuantizeLSTM node, as
onnxruntime.quantization.quantize_dynamic(per_channel=True, weight_type=QInt8) rewrites an LSTM:
W and R quantized to int8 symmetrically with one scale per output row (max |w| / 127, zero point
0), then transposed to [directions, input, 4*hidden] and [directions, hidden, 4*hidden], the
layout that operator takes; B, X and the states stay f32 (the operator quantizes X and the state
to uint8 itself at run time). Debian's python3-onnx builds and checks the graph; PyPI (and so
onnxruntime's own Python quantizer) is not available here.

Run with /usr/bin/python3 tools/make-ort-int8-lstm.py DIR (bench/run-suite.sh does).
"""
import pathlib
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def quantize(w):
    """[D, 4H, K] float -> int8 [D, K, 4H], scales [D, 4H], zero points [D, 4H] (int8 zeros)."""
    top = np.abs(w).max(axis=2)
    scale = np.where(top > 0, top / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(w / scale[..., None]), -127, 127).astype(np.int8)
    return np.ascontiguousarray(q.transpose(0, 2, 1)), scale, np.zeros(scale.shape, np.int8)


def convert(src, dst):
    model = onnx.load(str(src))
    graph = model.graph
    (node,) = [n for n in graph.node if n.op_type == "LSTM"]
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    w_q, w_scale, w_zp = quantize(inits[node.input[1]])
    r_q, r_scale, r_zp = quantize(inits[node.input[2]])
    tensors = {
        "W_quantized": w_q, "R_quantized": r_q, "W_scale": w_scale, "W_zero_point": w_zp,
        "R_scale": r_scale, "R_zero_point": r_zp,
    }
    keep = [t for t in graph.initializer if t.name not in (node.input[1], node.input[2])]
    inputs = list(node.input) + [""] * (8 - len(node.input))
    quantized = helper.make_node(
        "DynamicQuantizeLSTM",
        [inputs[0], "W_quantized", "R_quantized", inputs[3], inputs[4], inputs[5], inputs[6], inputs[7],
         "W_scale", "W_zero_point", "R_scale", "R_zero_point"],
        list(node.output), name=node.name + "_quant", domain="com.microsoft")
    quantized.attribute.extend(node.attribute)
    hidden = r_q.shape[1]
    # The f32 graph's outputs give their type only; the checker wants shapes.
    shapes = {"Y": ["seq", 1, "batch", hidden], "Y_h": [1, "batch", hidden], "Y_c": [1, "batch", hidden]}
    outputs = [helper.make_tensor_value_info(o.name, onnx.TensorProto.FLOAT, shapes[o.name]) for o in graph.output]
    new_graph = helper.make_graph(
        [quantized], graph.name + "_int8", list(graph.input), outputs,
        keep + [numpy_helper.from_array(v, k) for k, v in tensors.items()])
    out = helper.make_model(new_graph, producer_name="sequin bench (tools/make-ort-int8-lstm.py)",
                            opset_imports=[helper.make_opsetid("", 14), helper.make_opsetid("com.microsoft", 1)])
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    onnx.save(out, str(dst))
    return w_q.size + r_q.size


def main():
    folder = pathlib.Path(sys.argv[1])
    sources = sorted(p for p in folder.glob("lstm-*.onnx") if not p.stem.endswith("-int8"))
    if not sources:
        sys.exit(f"no lstm-IxH.onnx in {folder}: write them with io.sequin.bench.BenchModels first")
    for src in sources:
        dst = src.with_name(src.stem + "-int8.onnx")
        weights = convert(src, dst)
        print(f"wrote {dst} ({weights:,} int8 weights)")


if __name__ == "__main__":
    main()
