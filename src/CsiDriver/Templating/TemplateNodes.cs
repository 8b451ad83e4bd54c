namespace CsiDriver.Templating;

/// <summary>A node of the parsed template; <see cref="Offset"/> locates it for error messages.</summary>
internal abstract class TemplateNode(int offset)
{
    public int Offset { get; } = offset;
}

internal sealed class ListNode(int offset) : TemplateNode(offset)
{
    public List<TemplateNode> Nodes { get; } = [];
}

internal sealed class TextNode(int offset, byte[] utf8) : TemplateNode(offset)
{
    public byte[] Utf8 { get; } = utf8;
}

/// <summary><c>{{ pipeline }}</c>: prints the value unless the pipeline declares or assigns a variable.</summary>
internal sealed class ActionNode(int offset, PipeNode pipe) : TemplateNode(offset)
{
    public PipeNode Pipe { get; } = pipe;
}

/// <summary>Commands joined by <c>|</c>, with optional <c>$x :=</c> / <c>$x =</c> / <c>$i, $v :=</c>.</summary>
internal sealed class PipeNode(int offset) : TemplateNode(offset)
{
    public List<string> Declarations { get; } = [];

    public bool IsAssignment { get; set; }

    public List<CommandNode> Commands { get; } = [];
}

/// <summary>One pipeline stage: a function name and its arguments, or a single operand.</summary>
internal sealed class CommandNode(int offset) : TemplateNode(offset)
{
    public List<TemplateNode> Arguments { get; } = [];
}

internal enum BlockKind
{
    If,
    With,
    Range,
}

/// <summary><c>if</c>, <c>with</c> or <c>range</c> with its body and optional else branch.</summary>
internal sealed class BlockNode(int offset, BlockKind kind, PipeNode pipe, ListNode body, ListNode? elseBody) : TemplateNode(offset)
{
    public BlockKind Kind { get; } = kind;

    public PipeNode Pipe { get; } = pipe;

    public ListNode Body { get; } = body;

    public ListNode? Else { get; } = elseBody;
}

internal sealed class BreakNode(int offset) : TemplateNode(offset);

internal sealed class ContinueNode(int offset) : TemplateNode(offset);

internal sealed class DotNode(int offset) : TemplateNode(offset);

/// <summary>A constant: string, long, double, bool or null.</summary>
internal sealed class LiteralNode(int offset, object? value) : TemplateNode(offset)
{
    public object? Value { get; } = value;
}

internal sealed class FunctionNode(int offset, string name) : TemplateNode(offset)
{
    public string Name { get; } = name;
}

/// <summary><c>.a.b</c> on dot, <c>$x.a.b</c> on a variable, or <c>(pipeline).a.b</c>.</summary>
internal sealed class FieldChainNode(int offset, TemplateNode? receiver, string? variable, string[] fields) : TemplateNode(offset)
{
    /// <summary>Null with a null <see cref="Variable"/> means the fields apply to dot.</summary>
    public TemplateNode? Receiver { get; } = receiver;

    public string? Variable { get; } = variable;

    public string[] Fields { get; } = fields;
}

/// <summary>A parsed template, shared between renders and threads (immutable after parsing).</summary>
internal sealed class ParsedTemplate(ListNode root, LineMap lines)
{
    public ListNode Root { get; } = root;

    public LineMap Lines { get; } = lines;
}
