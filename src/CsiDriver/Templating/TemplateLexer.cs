namespace CsiDriver.Templating;

/// <summary>
/// Splits template text into tokens following Go text/template's lexer: <c>{{ }}</c> actions,
/// <c>{{- -}}</c> trim markers (a dash plus whitespace), <c>{{/* */}}</c> comments, Go literals.
/// </summary>
internal sealed partial class TemplateLexer(string text, Func<int, string, TemplateException> fail)
{
    /// <summary>What trim markers remove and what separates operands: Go's space, tab, CR and LF.</summary>
    private const string Spaces = " \t\r\n";

    private readonly List<TemplateToken> _tokens = [];
    private int _pos;

    public List<TemplateToken> Lex()
    {
        var trimNextText = false;
        while (_pos < text.Length)
        {
            var open = text.IndexOf("{{", _pos, StringComparison.Ordinal);
            var textEnd = open < 0 ? text.Length : open;
            var leftTrim = open >= 0 && open + 3 < text.Length && text[open + 2] == '-' && IsSpace(text[open + 3]);
            EmitText(_pos, textEnd, trimNextText, leftTrim);
            if (open < 0)
            {
                break;
            }

            _pos = open + 2 + (leftTrim ? 2 : 0);
            trimNextText = string.CompareOrdinal(text, _pos, "/*", 0, 2) == 0
                ? LexComment(open)
                : LexAction(open);
        }

        _tokens.Add(new TemplateToken(TokenKind.Eof, "", text.Length, false));
        return _tokens;
    }

    private void EmitText(int start, int end, bool trimLeading, bool trimTrailing)
    {
        var segment = text.AsSpan(start, end - start);
        var skipped = trimLeading ? segment.Length - segment.TrimStart(Spaces).Length : 0;
        segment = trimTrailing ? segment[skipped..].TrimEnd(Spaces) : segment[skipped..];
        if (!segment.IsEmpty)
        {
            _tokens.Add(new TemplateToken(TokenKind.Text, segment.ToString(), start + skipped, false));
        }
    }

    private bool LexComment(int open)
    {
        var end = text.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
        if (end < 0)
        {
            throw fail(open, "unclosed comment");
        }

        _pos = end + 2;
        return ReadRightDelimiter()?.Trim ?? throw fail(open, "comment ends before closing delimiter");
    }

    /// <summary>Consumes <c>}}</c> or <c> -}}</c> (which trims the text after it) when it comes next.</summary>
    private (int Offset, bool Trim)? ReadRightDelimiter()
    {
        if (string.CompareOrdinal(text, _pos, "}}", 0, 2) == 0)
        {
            _pos += 2;
            return (_pos - 2, false);
        }

        if (_pos < text.Length && IsSpace(text[_pos]) && string.CompareOrdinal(text, _pos + 1, "-}}", 0, 3) == 0)
        {
            _pos += 4;
            return (_pos - 3, true);
        }

        return null;
    }

    /// <summary>Lexes one action; returns whether it ended with a right trim marker.</summary>
    private bool LexAction(int open)
    {
        _tokens.Add(new TemplateToken(TokenKind.LeftDelim, "{{", open, false));
        var space = true;
        while (true)
        {
            if (_pos >= text.Length)
            {
                throw fail(open, "unclosed action: missing }}");
            }

            if (ReadRightDelimiter() is { } close)
            {
                _tokens.Add(new TemplateToken(TokenKind.RightDelim, "}}", close.Offset, space || close.Trim));
                return close.Trim;
            }

            var c = text[_pos];
            if (IsSpace(c))
            {
                _pos++;
                space = true;
                continue;
            }

            LexOperandOrPunctuation(c, space);
            space = false;
        }
    }

    private void LexOperandOrPunctuation(char c, bool space)
    {
        var start = _pos;
        var (kind, value) = c switch
        {
            '|' => Punctuation(TokenKind.Pipe, "|"),
            '(' => Punctuation(TokenKind.LeftParen, "("),
            ')' => Punctuation(TokenKind.RightParen, ")"),
            ',' => Punctuation(TokenKind.Comma, ","),
            '=' => Punctuation(TokenKind.Assign, "="),
            ':' when Following == '=' => Punctuation(TokenKind.Declare, ":="),
            ':' => throw fail(start, "expected :="),
            '"' => (TokenKind.String, LexQuoted('"', "unterminated quoted string")),
            '`' => (TokenKind.String, LexRaw()),
            '\'' => (TokenKind.Char, LexQuoted('\'', "malformed character constant")),
            '$' => (TokenKind.Variable, "$" + ReadIdentifier(_pos + 1)),
            '.' when char.IsAsciiDigit(Following) => (TokenKind.Number, LexNumber()),
            '.' when IsIdentifierChar(Following) => (TokenKind.Field, ReadIdentifier(_pos + 1)),
            '.' => Punctuation(TokenKind.Dot, "."),
            '+' or '-' or (>= '0' and <= '9') => (TokenKind.Number, LexNumber()),
            _ when IsIdentifierChar(c) => Word(ReadIdentifier(_pos)),
            _ => throw fail(start, $"unexpected character U+{(int)c:X4} in action"),
        };
        _tokens.Add(new TemplateToken(kind, value, start, space));
    }

    private (TokenKind Kind, string Value) Punctuation(TokenKind kind, string value)
    {
        _pos += value.Length;
        return (kind, value);
    }

    /// <summary>The character after the current one, or NUL at the end.</summary>
    private char Following => _pos + 1 < text.Length ? text[_pos + 1] : '\0';

    private static (TokenKind Kind, string Value) Word(string word) =>
        (word switch { "true" or "false" => TokenKind.Bool, "nil" => TokenKind.Nil, _ => TokenKind.Identifier }, word);

    /// <summary>Reads the identifier that starts at <paramref name="from"/>.</summary>
    private string ReadIdentifier(int from)
    {
        _pos = from;
        while (_pos < text.Length && IsIdentifierChar(text[_pos]))
        {
            _pos++;
        }

        return text[from.._pos];
    }

    private string LexNumber()
    {
        var start = _pos;
        _pos += NumberLiteral().Match(text, _pos).Length;
        if ((_pos < text.Length && (IsIdentifierChar(text[_pos]) || text[_pos] == '.'))
            || !text.AsSpan(start, _pos - start).ContainsAnyInRange('0', '9'))
        {
            throw fail(start, "bad number syntax");
        }

        return text[start.._pos];
    }

    /// <summary>
    /// What Go's lexer takes as one number: a sign, a base prefix, that base's digits, a fraction, and an exponent (e
    /// for decimal, p for hex); the parser then decides whether it is a valid int or float.
    /// </summary>
    [GeneratedRegex(@"\G[-+]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][-+]?[0-9_]*)?|0[oO][0-7_]*(?:\.[0-7_]*)?|0[bB][01_]*(?:\.[01_]*)?|[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]*)?)")]
    private static partial Regex NumberLiteral();

    private string LexRaw()
    {
        var start = _pos;
        var end = text.IndexOf('`', _pos + 1);
        if (end < 0)
        {
            throw fail(start, "unterminated raw quoted string");
        }

        _pos = end + 1;
        return text[(start + 1)..end].Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>A <c>"..."</c> string or a <c>'.'</c> character constant (one rune), escapes resolved; it may not span lines.</summary>
    private string LexQuoted(char quote, string malformed)
    {
        var start = _pos++;
        var sb = new StringBuilder();
        while (_pos < text.Length && text[_pos] != quote && text[_pos] != '\n')
        {
            sb.Append(text[_pos] == '\\' ? ReadEscape(quote, start) : text[_pos++].ToString());
        }

        if (_pos >= text.Length || text[_pos] != quote || (quote == '\'' && sb.ToString().EnumerateRunes().Count() != 1))
        {
            throw fail(start, malformed);
        }

        _pos++;
        return sb.ToString();
    }

    /// <summary>Go escapes: \a \b \f \n \r \t \v \\ \quote \xHH \ooo \uHHHH \UHHHHHHHH.</summary>
    private string ReadEscape(char quote, int literalStart)
    {
        if (++_pos >= text.Length)
        {
            throw fail(literalStart, "unterminated quoted string");
        }

        var c = text[_pos++];
        return c switch
        {
            _ when c == '\\' || c == quote => c.ToString(),
            _ when GoEscapes.TryControlFor(c, out var control) => control.ToString(),
            'x' => ((char)ReadHex(2, literalStart)).ToString(),
            'u' or 'U' => Rune.TryCreate(ReadHex(c == 'u' ? 4 : 8, literalStart), out var rune)
                ? rune.ToString()
                : throw fail(literalStart, "invalid Unicode escape in quoted string"),
            >= '0' and <= '3' when text.AsSpan(_pos) is [>= '0' and <= '7', >= '0' and <= '7', ..] => ReadOctal(),
            _ => throw fail(literalStart, "unknown escape sequence in quoted string"),
        };
    }

    /// <summary>Reads the last two digits of <c>\ooo</c> (a first digit of 0 to 3 keeps it a byte value).</summary>
    private string ReadOctal()
    {
        _pos += 2;
        return ((char)Convert.ToInt32(text.Substring(_pos - 3, 3), 8)).ToString();
    }

    private int ReadHex(int count, int literalStart)
    {
        if (_pos + count > text.Length
            || !int.TryParse(text.AsSpan(_pos, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw fail(literalStart, "invalid hex escape in quoted string");
        }

        _pos += count;
        return value;
    }

    private static bool IsIdentifierChar(char c) => c == '_' || char.IsLetterOrDigit(c);

    private static bool IsSpace(char c) => Spaces.Contains(c);
}
