using System.Text.Json.Nodes;

namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>One generator kind of <c>generators.external-secrets.io</c> (<c>Password</c>, <c>VaultDynamicSecret</c>, ...).</summary>
internal interface IGenerator
{
    /// <summary>The kind it serves, as written in a <c>generatorRef</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// Fresh values for one ExternalSecret from the generator's <c>spec</c>, as written. Never cached or shared: every
    /// call generates anew.
    /// </summary>
    /// <param name="spec">The generator object's <c>spec</c>.</param>
    /// <param name="namespace">The ExternalSecret's namespace (where references in the spec resolve).</param>
    /// <exception cref="GeneratorException">A bad spec or a failed backend call; the message carries no value.</exception>
    Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(JsonObject spec, string @namespace, CancellationToken cancellationToken);
}

/// <summary>A generator failure whose message is safe for status, events and logs.</summary>
internal sealed class GeneratorException : Exception
{
    public GeneratorException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Uniform cryptographic randomness, injected so tests can fix it.</summary>
internal interface ISecureRandom
{
    /// <summary>A uniformly random integer in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);
}

/// <summary>The system's CSPRNG.</summary>
internal sealed class CryptoRandom : ISecureRandom
{
    public int Next(int maxExclusive) => System.Security.Cryptography.RandomNumberGenerator.GetInt32(maxExclusive);
}
