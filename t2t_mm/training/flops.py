"""Model FLOPs of a traced step, counted from its graph: every matmul-like op (MatMul, BatchMatMul,
Einsum, Conv2D, depthwise convolutions and their backprops) contributes 2 x (multiply-adds) from its
static shapes. Element-wise ops are left out, as MFU conventionally counts only the matmul work.
Used by benchmarks/train.py for MFU = achieved FLOP/s / measured matmul peak FLOP/s."""
import re

import numpy as np


def _dims(tensor, fill=None):
    """The static shape; a dimension unknown at trace time counts as `fill` (None: the shape is unknown)."""
    shape = tensor.shape
    if shape.rank is None:
        return None
    dims = [fill if d is None else int(d) for d in shape]
    return None if None in dims else dims


def _einsum_flops(op, fill=None):
    equation = op.get_attr("equation").decode()
    inputs, _ = equation.split("->")
    sizes = {}
    for spec, tensor in zip(inputs.split(","), op.inputs):
        dims = _dims(tensor, fill)
        if dims is None or "." in spec:
            return None
        sizes.update(zip(spec, dims))
    return 2 * int(np.prod(list(sizes.values()))) if len(op.inputs) == 2 else 0


def op_flops(op, fill=None):
    """2 x multiply-adds of one op, 0 for ops that are not matmul-like, None when shapes are unknown
    (a dimension unknown at trace time counts as `fill` where given)."""
    kind = op.type
    if kind in ("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"):
        a, out = _dims(op.inputs[0], fill), _dims(op.outputs[0], fill)
        if a is None or out is None:
            return None
        transposed = (op.get_attr("transpose_a") if kind == "MatMul" else op.get_attr("adj_x"))
        inner = a[-2] if transposed else a[-1]
        return 2 * int(np.prod(out)) * inner
    if kind == "Einsum":
        return _einsum_flops(op, fill)
    if kind in ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"):
        out_like = _dims(op.outputs[0] if kind == "Conv2D" else op.inputs[2], fill)  # the conv's output (grad)
        filt = _dims(op.inputs[1], fill) if kind != "Conv2DBackpropFilter" else _dims(op.outputs[0], fill)
        if out_like is None or filt is None:
            return None
        return 2 * int(np.prod(out_like)) * filt[0] * filt[1] * filt[2]
    if kind.startswith("DepthwiseConv2dNative"):
        out_like = _dims(op.outputs[0] if kind == "DepthwiseConv2dNative" else op.inputs[2], fill)
        filt = _dims(op.inputs[1], fill) if not kind.endswith("Filter") else _dims(op.outputs[0], fill)
        if out_like is None or filt is None:
            return None
        return 2 * int(np.prod(out_like)) * filt[0] * filt[1]
    return 0


def graph_flops(graph, fill_unknown=None):
    """(total FLOPs, number of matmul-like ops whose shapes were unknown and were not counted).
    fill_unknown: the value of dimensions unknown at trace time (benchmarks/train.py: a batch's number
    of real targets, the rows of the MultiModel's real_targets_only output layer)."""
    total, unknown = 0, 0
    for op in graph.get_operations():
        if re.match(r"^(While|StatelessWhile|If|StatelessIf|PartitionedCall|StatefulPartitionedCall)$", op.type):
            for name in ("body", "then_branch", "f"):
                try:
                    function = op.get_attr(name)
                except ValueError:
                    continue
                nested = graph._get_function(function.name)  # noqa: SLF001 (the graph's function library)
                if nested is not None:
                    sub_total, sub_unknown = graph_flops(nested.graph, fill_unknown)
                    total, unknown = total + sub_total, unknown + sub_unknown
            continue
        flops = op_flops(op, fill_unknown)
        if flops is None:
            unknown += 1
        else:
            total += flops
    return total, unknown
