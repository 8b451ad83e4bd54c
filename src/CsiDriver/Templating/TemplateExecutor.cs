using CsiDriver.Templating.Functions;

namespace CsiDriver.Templating;

/// <summary>
/// Walks a parsed template once against one data map, with Go's semantics (missingkey=error) and
/// step, iteration and output limits. Not thread-safe: one executor per render.
/// </summary>
internal sealed class TemplateExecutor(ParsedTemplate template, string templateName, TemplateLimits limits, CancellationToken cancellationToken)
{
    private static readonly object NoFinalArgument = new();

    private readonly BoundedOutput _output = new(limits.MaxOutputBytes);
    private readonly List<(string Name, object? Value)> _variables = [];
    private long _steps;
    private long _iterations;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public byte[] Execute(object root)
    {
        try
        {
            _variables.Add(("$", root));
            Walk(root, template.Root);
            return _output.ToArray();
        }
        finally
        {
            _output.Clear();
            _variables.Clear();
        }
    }

    private TemplateException Fail(TemplateNode node, string cause, TemplateErrorKind kind = TemplateErrorKind.Execution) =>
        new(kind, templateName, template.Text, node.Offset, cause);

    private void Step(TemplateNode node)
    {
        if (++_steps > limits.MaxSteps)
        {
            throw Fail(node, $"template took more than {limits.MaxSteps} evaluation steps", TemplateErrorKind.Limit);
        }

        if ((_steps & 255) == 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private Flow Walk(object? dot, TemplateNode node)
    {
        Step(node);
        switch (node)
        {
            case ListNode list:
                foreach (var child in list.Nodes)
                {
                    // A break or continue ends the list.
                    if (Walk(dot, child) is var flow && flow != Flow.Normal)
                    {
                        return flow;
                    }
                }

                return Flow.Normal;
            case TextNode text:
                Print(node, text.Utf8);
                return Flow.Normal;
            case ActionNode action:
                var value = EvalPipeline(dot, action.Pipe);
                if (action.Pipe.Declarations.Count == 0)
                {
                    Print(action, value);
                }

                return Flow.Normal;
            case BlockNode block:
                // Variables the block declares end with it.
                var mark = _variables.Count;
                try
                {
                    return block.Kind == BlockKind.Range ? WalkRange(dot, block, mark) : WalkIfOrWith(dot, block);
                }
                finally
                {
                    _variables.RemoveRange(mark, _variables.Count - mark);
                }

            case LoopControlNode control:
                return control.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw Fail(node, $"unexpected node {node.GetType().Name}");
        }
    }

    private Flow WalkIfOrWith(object? dot, BlockNode block)
    {
        var value = EvalPipeline(dot, block.Pipe);
        if (TemplateValues.IsTrue(value))
        {
            return Walk(block.Kind == BlockKind.With ? value : dot, block.Body);
        }

        return block.Else is null ? Flow.Normal : Walk(dot, block.Else);
    }

    /// <summary>Ranges over a value; <paramref name="mark"/> is where the variables of one iteration start.</summary>
    private Flow WalkRange(object? dot, BlockNode range, int mark)
    {
        var value = EvalPipeline(dot, range.Pipe, declare: false);
        var declarations = range.Pipe.Declarations;
        var any = false;
        foreach (var (key, element) in Iterate(range, value, declarations.Count))
        {
            any = true;
            if (++_iterations > limits.MaxRangeIterations)
            {
                throw Fail(range, $"more than {limits.MaxRangeIterations} range iterations", TemplateErrorKind.Limit);
            }

            _variables.RemoveRange(mark, _variables.Count - mark);
            if (declarations.Count == 2)
            {
                _variables.Add((declarations[0], key));
            }

            if (declarations.Count > 0)
            {
                _variables.Add((declarations[^1], element));
            }

            if (Walk(element, range.Body) == Flow.Break)
            {
                break;
            }
        }

        return !any && range.Else is not null ? Walk(dot, range.Else) : Flow.Normal;
    }

    /// <summary>Go's range: maps in key order, lists by position, an int n as 0..n-1; nil is empty.</summary>
    private IEnumerable<(object? Key, object? Element)> Iterate(BlockNode range, object? value, int declarations) => value switch
    {
        null => [],
        IReadOnlyDictionary<string, object?> map => TemplateValues.SortedKeys(map).Select(key => ((object?)key, map[key])),
        IReadOnlyList<object?> list => list.Select((element, i) => ((object?)(long)i, element)),
        long when declarations > 1 => throw Fail(range, "can't use two variables when ranging over an int"),
        long count => Enumerable.Range(0, (int)Math.Clamp(count, 0, int.MaxValue)).Select(i => ((object?)(long)i, (object?)(long)i)),
        _ => throw Fail(range, $"range can't iterate over a value of type {TemplateValues.TypeName(value)}"),
    };

    private object? EvalPipeline(object? dot, PipeNode pipe, bool declare = true)
    {
        // Each command gets the previous one's result as its final argument.
        var value = pipe.Commands.Aggregate((object?)NoFinalArgument, (piped, command) => EvalCommand(dot, command, piped));

        if (declare && pipe.Declarations.Count > 0)
        {
            if (pipe.IsAssignment)
            {
                _variables[FindVariable(pipe, pipe.Declarations[0])] = (pipe.Declarations[0], value);
            }
            else
            {
                _variables.Add((pipe.Declarations[0], value));
            }
        }

        return value;
    }

    /// <summary>The innermost variable of that name: the last one declared.</summary>
    private int FindVariable(TemplateNode node, string name)
    {
        var index = _variables.FindLastIndex(v => v.Name == name);
        return index >= 0 ? index : throw Fail(node, $"undefined variable \"{name}\"");
    }

    private object? EvalCommand(object? dot, CommandNode command, object? final)
    {
        Step(command);
        var first = command.Arguments[0];
        if (first is FunctionNode function)
        {
            return CallFunction(dot, function, command.Arguments, final);
        }

        if (command.Arguments.Count > 1 || final != NoFinalArgument)
        {
            throw Fail(first, "can't give arguments to a non-function");
        }

        return EvalArgument(dot, first);
    }

    private object? EvalArgument(object? dot, TemplateNode node) => node switch
    {
        LiteralNode literal => literal.Value,
        DotNode => dot,
        FunctionNode function => CallFunction(dot, function, [function], NoFinalArgument),
        PipeNode pipe => EvalPipeline(dot, pipe, declare: false),
        FieldChainNode { Receiver: { } receiver } chain => EvalFields(chain, EvalArgument(dot, receiver)),
        FieldChainNode { Variable: { } variable } chain => EvalFields(chain, _variables[FindVariable(chain, variable)].Value),
        FieldChainNode chain => EvalFields(chain, dot),
        _ => throw Fail(node, $"can't evaluate {node.GetType().Name}"),
    };

    private object? EvalFields(FieldChainNode chain, object? receiver)
    {
        foreach (var field in chain.Fields)
        {
            receiver = receiver switch
            {
                IReadOnlyDictionary<string, object?> map => map.TryGetValue(field, out var value)
                    ? value
                    : throw Fail(chain, $"map has no entry for key \"{field}\""),
                null => throw Fail(chain, $"nil pointer evaluating field \".{field}\""),
                _ => throw Fail(chain, $"can't evaluate field \".{field}\" in a value of type {TemplateValues.TypeName(receiver)}"),
            };
        }

        return receiver;
    }

    /// <summary>Calls a function: arguments[0] is the function node itself, final is the piped value.</summary>
    private object? CallFunction(object? dot, FunctionNode function, List<TemplateNode> arguments, object? final)
    {
        Step(function);
        var definition = function.Definition;
        var count = arguments.Count - 1 + (final == NoFinalArgument ? 0 : 1);
        if (count < definition.MinArgs || (definition.MaxArgs >= 0 && count > definition.MaxArgs))
        {
            var want = definition.MaxArgs < 0 ? $"at least {definition.MinArgs}" : $"{definition.MinArgs}";
            throw Fail(function, $"wrong number of arguments for {definition.Name}: want {want}, got {count}");
        }

        // Each argument is evaluated when read, so and/or can stop at the first that decides.
        var values = Enumerable.Range(1, count).Select(i => i < arguments.Count ? EvalArgument(dot, arguments[i]) : final);
        if (FunctionTable.IsShortCircuit(definition.Name))
        {
            return ShortCircuit(values, stopWhen: definition.Name == "or");
        }

        var invocation = new FunctionArguments(definition.Name, [.. values], limits);
        object? result;
        try
        {
            result = definition.Invoke(invocation);
        }
        catch (TemplateFunctionException e)
        {
            throw Fail(function, $"error calling {definition.Name}: {e.Message}", e.Kind);
        }
        catch (Exception e) when (e is not (TemplateException or OperationCanceledException))
        {
            // Framework exception text can quote its input; report only the exception type.
            throw Fail(function, $"error calling {definition.Name}: {e.GetType().Name}");
        }

        if (result is string s && s.Length > limits.MaxOutputBytes)
        {
            throw Fail(function, $"{definition.Name} produced more than the {limits.MaxOutputBytes}-byte output limit", TemplateErrorKind.Limit);
        }

        return result;
    }

    /// <summary>Go's and/or: evaluate left to right, stop at the first falsy/truthy value and return it (else the last).</summary>
    private static object? ShortCircuit(IEnumerable<object?> values, bool stopWhen)
    {
        object? value = null;
        foreach (var next in values)
        {
            value = next;
            if (TemplateValues.IsTrue(value) == stopWhen)
            {
                break;
            }
        }

        return value;
    }

    private void Print(TemplateNode node, object? value)
    {
        if (!_output.TryWrite(value as byte[] ?? TemplateValues.ToBytes(value)))
        {
            throw Fail(node, $"output larger than {limits.MaxOutputBytes} bytes", TemplateErrorKind.Limit);
        }
    }
}
