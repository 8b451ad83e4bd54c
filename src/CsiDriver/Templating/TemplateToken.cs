namespace CsiDriver.Templating;

internal enum TokenKind
{
    Text,
    LeftDelim,
    RightDelim,
    Identifier,
    Field,
    Variable,
    Dot,
    String,
    Char,
    Number,
    Bool,
    Nil,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
    Eof,
}

/// <summary>One lexed token; <see cref="Offset"/> is its start in the template text.</summary>
internal readonly record struct TemplateToken(TokenKind Kind, string Value, int Offset, bool SpaceBefore);
