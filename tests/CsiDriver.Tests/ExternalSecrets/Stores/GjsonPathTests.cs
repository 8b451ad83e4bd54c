using System.Text.Json;
using CsiDriver.ExternalSecrets.Stores;

namespace CsiDriver.Tests.ExternalSecrets.Stores;

/// <summary>The gjson path subset used by <c>remoteRef.property</c>.</summary>
public sealed class GjsonPathTests
{
    private const string Document = """
        {"name":"app","a.b":"dotted","db":{"host":"h","port":5432,"tls":true,"tags":null},
         "users":[{"name":"ann","role":"admin"},{"name":"bob"}],"matrix":[[1,2],[3]],"wild":{"key-1":"one","key-2":"two"}}
        """;

    [Theory]
    [InlineData("name", "app")]
    [InlineData("db.host", "h")]
    [InlineData("db.port", "5432")]
    [InlineData("db.tls", "true")]
    [InlineData("db.tags", "null")]
    [InlineData("db", """{"host":"h","port":5432,"tls":true,"tags":null}""")]
    [InlineData(@"a\.b", "dotted")]
    [InlineData("users.1.name", "bob")]
    [InlineData("users.#", "2")]
    [InlineData("users.#.name", """["ann","bob"]""")]
    [InlineData("users.#.role", """["admin"]""")]
    [InlineData("matrix.0.1", "2")]
    [InlineData("wild.key-?", "one")]
    [InlineData("wild.*2", "two")]
    public void TryGet_Found_ValueAsGjsonStringsIt(string path, string expected)
    {
        using var document = JsonDocument.Parse(Document);

        GjsonPath.TryGet(document.RootElement, path, out var value).Should().BeTrue();

        System.Text.Encoding.UTF8.GetString(GjsonPath.ToBytes(value)).Should().Be(expected);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("db.host.deeper")]
    [InlineData("users.5.name")]
    [InlineData("users.x")]
    [InlineData("a.b")]
    [InlineData("")]
    public void TryGet_NothingThere_False(string path)
    {
        using var document = JsonDocument.Parse(Document);

        GjsonPath.TryGet(document.RootElement, path, out _).Should().BeFalse();
    }
}
