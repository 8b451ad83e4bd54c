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
    /// <param name="call">Whose values these are: the ExternalSecret and its entry.</param>
    /// <exception cref="GeneratorException">A bad spec or a failed backend call; the message carries no value.</exception>
    Task<IReadOnlyDictionary<string, byte[]>> GenerateAsync(JsonObject spec, GeneratorCall call, CancellationToken cancellationToken);
}

/// <summary>
/// One generation for one ExternalSecret entry: the namespace references in the spec resolve in, and the owner a
/// leased result (Vault dynamic credentials) is kept for until the ExternalSecret replaces or drops it.
/// </summary>
/// <param name="Namespace">The ExternalSecret's namespace.</param>
/// <param name="Name">The ExternalSecret's name (for logs).</param>
/// <param name="OwnerUid">The ExternalSecret's uid.</param>
/// <param name="Entry">The entry that names the generator (<c>spec.dataFrom[0]</c>, <c>spec.data[2]</c>).</param>
internal sealed record GeneratorCall(string Namespace, string Name, string OwnerUid, string Entry);

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
