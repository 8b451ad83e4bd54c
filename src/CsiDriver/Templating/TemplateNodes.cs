using CsiDriver.Templating.Functions;

namespace CsiDriver.Templating;

/// <summary>A node of the parsed template; <see cref="Offset"/> locates it for error messages.</summary>
internal abstract record TemplateNode(int Offset);

/// <summary>A sequence of nodes: the template itself or a block's body.</summary>
internal sealed record ListNode(int Offset) : TemplateNode(Offset)
{
    public List<TemplateNode> Nodes { get; } = [];
}

/// <summary>Text outside actions, already UTF-8 encoded.</summary>
internal sealed record TextNode(int Offset, byte[] Utf8) : TemplateNode(Offset);

/// <summary><c>{{ pipeline }}</c>: prints the value unless the pipeline declares or assigns a variable.</summary>
internal sealed record ActionNode(int Offset, PipeNode Pipe) : TemplateNode(Offset);

/// <summary>Commands joined by <c>|</c>, with optional <c>$x :=</c> / <c>$x =</c> / <c>$i, $v :=</c>.</summary>
internal sealed record PipeNode(int Offset) : TemplateNode(Offset)
{
    public List<string> Declarations { get; } = [];

    public bool IsAssignment { get; set; }

    public List<CommandNode> Commands { get; } = [];
}

/// <summary>One pipeline stage: a function name and its arguments, or a single operand.</summary>
internal sealed record CommandNode(int Offset) : TemplateNode(Offset)
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
internal sealed record BlockNode(int Offset, BlockKind Kind, PipeNode Pipe, ListNode Body, ListNode? Else) : TemplateNode(Offset);

/// <summary><c>{{break}}</c> or <c>{{continue}}</c> inside a range.</summary>
internal sealed record LoopControlNode(int Offset, bool IsBreak) : TemplateNode(Offset);

internal sealed record DotNode(int Offset) : TemplateNode(Offset);

/// <summary>A constant: string, long, double, bool or null.</summary>
internal sealed record LiteralNode(int Offset, object? Value) : TemplateNode(Offset);

internal sealed record FunctionNode(int Offset, TemplateFunction Definition) : TemplateNode(Offset);

/// <summary><c>.a.b</c> on dot, <c>$x.a.b</c> on a variable, or <c>(pipeline).a.b</c>; with neither receiver nor variable the fields apply to dot.</summary>
internal sealed record FieldChainNode(int Offset, TemplateNode? Receiver, string? Variable, string[] Fields) : TemplateNode(Offset);

/// <summary>A parsed template, shared between renders and threads (immutable after parsing).</summary>
internal sealed record ParsedTemplate(ListNode Root, string Text);
