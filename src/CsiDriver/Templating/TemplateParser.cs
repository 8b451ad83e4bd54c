using CsiDriver.Spec;
using CsiDriver.Templating.Functions;

namespace CsiDriver.Templating;

/// <summary>
/// Builds the node tree from tokens with Go text/template's grammar: actions, pipelines, if/else if/else,
/// range (with else, break, continue), with (with else with), variables and their scopes.
/// Unknown functions and undefined variables are parse errors, as in Go.
/// </summary>
internal sealed class TemplateParser(string name, string text, int maxDepth)
{
    private readonly List<TemplateToken> _tokens = new TemplateLexer(text, (offset, cause) => new(TemplateErrorKind.Parse, name, text, offset, cause)).Lex();
    private readonly List<string> _variables = ["$"];
    private int _index;
    private int _depth;
    private int _rangeDepth;

    private enum Terminator
    {
        Eof,
        End,
        Else,
    }

    public static ParsedTemplate Parse(string name, string text, int maxDepth)
    {
        var parser = new TemplateParser(name, text, maxDepth);
        var (root, terminator, offset) = parser.ParseList();
        if (terminator != Terminator.Eof)
        {
            throw parser.Fail(offset, terminator == Terminator.End ? "unexpected {{end}}" : "unexpected {{else}}");
        }

        return new ParsedTemplate(root, text);
    }

    private TemplateException Fail(int offset, string cause, TemplateErrorKind kind = TemplateErrorKind.Parse) =>
        new(kind, name, text, offset, cause);

    /// <summary>Enters one more level of blocks or parentheses; the caller leaves it with <c>_depth--</c>.</summary>
    private void Nest(int offset, string what)
    {
        if (++_depth > maxDepth)
        {
            throw Fail(offset, $"{what} nested deeper than {maxDepth}", TemplateErrorKind.Limit);
        }
    }

    private TemplateToken Peek(int ahead = 0) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private TemplateToken Next() => _tokens[Math.Min(_index++, _tokens.Count - 1)];

    /// <summary>Consumes the <c>}}</c> that closes a keyword's action.</summary>
    private void ExpectRightDelim(string context)
    {
        if (Next() is { Kind: not TokenKind.RightDelim } token)
        {
            throw Fail(token.Offset, $"unexpected {Describe(token)} in {context}");
        }
    }

    private (ListNode List, Terminator Terminator, int Offset) ParseList()
    {
        var list = new ListNode(Peek().Offset);
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Eof:
                    return (list, Terminator.Eof, token.Offset);
                case TokenKind.Text:
                    list.Nodes.Add(new TextNode(token.Offset, Encoding.UTF8.GetBytes(token.Value)));
                    continue;
                case TokenKind.LeftDelim:
                    break;
                default:
                    throw Fail(token.Offset, $"unexpected {Describe(token)}");
            }

            var keyword = Peek();
            if (keyword.Kind == TokenKind.Identifier && IsKeyword(keyword.Value))
            {
                _index++;
                switch (keyword.Value)
                {
                    case "end":
                        ExpectRightDelim("end");
                        return (list, Terminator.End, token.Offset);
                    case "else":
                        return (list, Terminator.Else, token.Offset);
                    case "break" or "continue" when _rangeDepth == 0:
                        throw Fail(keyword.Offset, $"{{{{{keyword.Value}}}}} outside {{{{range}}}}");
                    case "break" or "continue":
                        ExpectRightDelim(keyword.Value);
                        list.Nodes.Add(new LoopControlNode(token.Offset, IsBreak: keyword.Value == "break"));
                        continue;
                    case "define" or "template" or "block":
                        throw Fail(keyword.Offset, $"\"{keyword.Value}\" is not supported (named templates are not available)");
                    case "if" or "with" or "range":
                        list.Nodes.Add(ParseBlock(keyword.Value switch { "if" => BlockKind.If, "with" => BlockKind.With, _ => BlockKind.Range }, token.Offset));
                        continue;
                }
            }

            var pipe = ParsePipeline("command", TokenKind.RightDelim, allowDeclarations: true, rangeDeclarations: false);
            list.Nodes.Add(new ActionNode(token.Offset, pipe));
        }
    }

    private BlockNode ParseBlock(BlockKind kind, int offset)
    {
        var keyword = kind.ToString().ToLowerInvariant();
        Nest(offset, "blocks");

        var scope = _variables.Count;
        var pipe = ParsePipeline(keyword, TokenKind.RightDelim, allowDeclarations: true, rangeDeclarations: kind == BlockKind.Range);
        var pipeScope = _variables.Count;
        var loops = kind == BlockKind.Range ? 1 : 0;
        _rangeDepth += loops;
        var (body, terminator, _) = ParseList();
        _rangeDepth -= loops;

        _variables.RemoveRange(pipeScope, _variables.Count - pipeScope);
        ListNode? elseBody = null;
        if (terminator == Terminator.Else)
        {
            var chained = Peek();
            if (kind != BlockKind.Range && chained.Kind == TokenKind.Identifier && chained.Value == keyword)
            {
                // "else if" / "else with": the nested block consumes the shared {{end}}.
                _index++;
                elseBody = new ListNode(chained.Offset);
                elseBody.Nodes.Add(ParseBlock(kind, chained.Offset));
                terminator = Terminator.End;
            }
            else
            {
                ExpectRightDelim("else");
                (elseBody, terminator, var secondElse) = ParseList();
                if (terminator == Terminator.Else)
                {
                    throw Fail(secondElse, $"unexpected second {{{{else}}}} in {{{{{keyword}}}}}");
                }
            }
        }

        if (terminator != Terminator.End)
        {
            throw Fail(offset, $"missing {{{{end}}}} for {{{{{keyword}}}}}");
        }

        _variables.RemoveRange(scope, _variables.Count - scope);
        _depth--;
        return new BlockNode(offset, kind, pipe, body, elseBody);
    }

    private PipeNode ParsePipeline(string context, TokenKind end, bool allowDeclarations, bool rangeDeclarations)
    {
        var pipe = new PipeNode(Peek().Offset);
        if (allowDeclarations && Peek().Kind == TokenKind.Variable)
        {
            ParseDeclarations(pipe, rangeDeclarations);
        }

        while (true)
        {
            var command = ParseCommand();
            if (command.Arguments.Count == 0)
            {
                var token = Peek();
                throw Fail(token.Offset, pipe.Commands.Count == 0 && token.Kind == end
                    ? $"missing value for {context}"
                    : $"unexpected {Describe(token)} in {context}");
            }

            if (pipe.Commands.Count > 0 && command.Arguments[0] is LiteralNode or DotNode)
            {
                throw Fail(command.Offset, $"non-executable command in pipeline stage {pipe.Commands.Count + 1}");
            }

            pipe.Commands.Add(command);
            var next = Next();
            if (next.Kind != TokenKind.Pipe)
            {
                return next.Kind == end ? pipe : throw Fail(next.Offset, $"unexpected {Describe(next)} in {context}");
            }
        }
    }

    private void ParseDeclarations(PipeNode pipe, bool rangeDeclarations)
    {
        var first = Peek();
        var after = Peek(1);
        if (after.Kind is TokenKind.Declare or TokenKind.Assign)
        {
            _index += 2;
            DeclareVariable(pipe, first, after.Kind == TokenKind.Assign);
            return;
        }

        if (rangeDeclarations && after.Kind == TokenKind.Comma && Peek(2).Kind == TokenKind.Variable && Peek(3).Kind == TokenKind.Declare)
        {
            var second = Peek(2);
            _index += 4;
            DeclareVariable(pipe, first, assign: false);
            DeclareVariable(pipe, second, assign: false);
        }
    }

    private void DeclareVariable(PipeNode pipe, TemplateToken variable, bool assign)
    {
        if (variable.Value == "$")
        {
            throw Fail(variable.Offset, "cannot declare or assign $");
        }

        if (assign)
        {
            if (!_variables.Contains(variable.Value))
            {
                throw Fail(variable.Offset, $"undefined variable \"{variable.Value}\"");
            }

            pipe.IsAssignment = true;
        }
        else
        {
            _variables.Add(variable.Value);
        }

        pipe.Declarations.Add(variable.Value);
    }

    private CommandNode ParseCommand()
    {
        var command = new CommandNode(Peek().Offset);
        while (ParseOperand() is { } operand)
        {
            command.Arguments.Add(operand);
            var next = Peek();
            if (next.Kind is TokenKind.Pipe or TokenKind.RightDelim or TokenKind.RightParen or TokenKind.Eof)
            {
                break;
            }

            if (!next.SpaceBefore)
            {
                throw Fail(next.Offset, $"unexpected {Describe(next)} in operand (missing space?)");
            }
        }

        return command;
    }

    private TemplateNode? ParseOperand()
    {
        var token = Peek();
        switch (token.Kind)
        {
            case TokenKind.Identifier:
                _index++;
                return FunctionTable.Find(token.Value) is { } function
                    ? new FunctionNode(token.Offset, function)
                    : throw Fail(token.Offset, IsKeyword(token.Value)
                        ? $"unexpected keyword \"{token.Value}\" in command"
                        : $"function \"{token.Value}\" not defined");
            case TokenKind.Field:
                return new FieldChainNode(token.Offset, null, null, ReadFields(firstMayFollowSpace: true));
            case TokenKind.Variable:
                _index++;
                if (!_variables.Contains(token.Value))
                {
                    throw Fail(token.Offset, $"undefined variable \"{token.Value}\"");
                }

                return new FieldChainNode(token.Offset, null, token.Value, ReadFields());
            case TokenKind.LeftParen:
                _index++;
                Nest(token.Offset, "parentheses");
                var pipe = ParsePipeline("parenthesized pipeline", TokenKind.RightParen, allowDeclarations: false, rangeDeclarations: false);
                _depth--;
                var fields = ReadFields();
                return fields.Length == 0 ? pipe : new FieldChainNode(token.Offset, pipe, null, fields);
        }

        TemplateNode? constant = token.Kind switch
        {
            TokenKind.Dot => new DotNode(token.Offset),
            TokenKind.String => new LiteralNode(token.Offset, token.Value),
            TokenKind.Char => new LiteralNode(token.Offset, (long)char.ConvertToUtf32(token.Value, 0)),
            TokenKind.Number => new LiteralNode(token.Offset, ParseNumber(token)),
            TokenKind.Bool => new LiteralNode(token.Offset, token.Value == "true"),
            TokenKind.Nil => new LiteralNode(token.Offset, null),
            _ => null,
        };
        if (constant is null)
        {
            return null;
        }

        _index++;
        if (Peek().Kind == TokenKind.Field && !Peek().SpaceBefore)
        {
            throw Fail(Peek().Offset, "unexpected field access after a constant");
        }

        return constant;
    }

    /// <summary>Reads <c>.a.b.c</c>; fields after a variable or parenthesis must be adjacent to it.</summary>
    private string[] ReadFields(bool firstMayFollowSpace = false)
    {
        var fields = new List<string>();
        while (Peek().Kind == TokenKind.Field && (!Peek().SpaceBefore || (fields.Count == 0 && firstMayFollowSpace)))
        {
            fields.Add(Next().Value);
        }

        return [.. fields];
    }

    /// <summary>Integers as strconv.ParseInt with base 0; as in Go, an integer too large for 64 bits is an error, not a float.</summary>
    private object ParseNumber(TemplateToken token)
    {
        if (GoStrconv.TryParseInt(token.Value, out var integer))
        {
            return integer;
        }

        var text = token.Value.Replace("_", "", StringComparison.Ordinal);
        if (text.AsSpan().ContainsAny(".eE") && !text.Contains("0x", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return real;
        }

        throw Fail(token.Offset, "bad number syntax");
    }

    private static bool IsKeyword(string word) =>
        word is "if" or "else" or "end" or "range" or "with" or "break" or "continue" or "define" or "template" or "block";

    private static string Describe(TemplateToken token) => token.Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.RightDelim or TokenKind.LeftDelim or TokenKind.RightParen or TokenKind.LeftParen or TokenKind.Pipe
            or TokenKind.Comma or TokenKind.Declare or TokenKind.Assign => $"\"{token.Value}\"",
        TokenKind.Identifier => $"identifier \"{token.Value}\"",
        TokenKind.Field => $"field \".{token.Value}\"",
        TokenKind.Variable => $"variable \"{token.Value}\"",
        TokenKind.String => "string constant",
        TokenKind.Number => "number",
        TokenKind.Text => "text",
        _ => token.Kind.ToString().ToLowerInvariant(),
    };
}
