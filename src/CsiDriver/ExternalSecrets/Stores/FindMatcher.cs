using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>
/// A <see cref="FindQuery"/> compiled for a store's listing: the name regexp and tag tests the stores share, and the
/// result map that refuses to grow past <see cref="FindQuery.MaxKeys"/>.
/// </summary>
internal sealed class FindMatcher
{
    private readonly System.Text.RegularExpressions.Regex? _name;
    private readonly string _store;

    private FindMatcher(FindQuery query, System.Text.RegularExpressions.Regex? name, string store)
    {
        Query = query;
        _name = name;
        _store = store;
    }

    public FindQuery Query { get; }

    /// <summary>Compiles <paramref name="query"/>; a regexp that does not compile is an invalid configuration.</summary>
    public static FindMatcher Create(FindQuery query, string store)
    {
        System.Text.RegularExpressions.Regex? name = null;
        if (query.NameRegexp is { } pattern)
        {
            name = GoRegex.TryCreate(pattern)
                ?? throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{store}: find.name.regexp \"{pattern}\" does not compile");
        }

        return new FindMatcher(query, name, store);
    }

    public bool HasTags => Query.Tags is { Count: > 0 };

    /// <summary>True without a name regexp; else whether it matches anywhere in <paramref name="name"/>.</summary>
    public bool MatchesName(string name) => _name is null || GoRegex.IsMatch(_name, name);

    /// <summary>Whether every queried tag is present with the same value (no tags queried: true).</summary>
    public bool MatchesTags(IReadOnlyDictionary<string, string>? tags) =>
        Query.Tags is not { Count: > 0 } wanted
        || (tags is not null && wanted.All(t => tags.TryGetValue(t.Key, out var v) && v == t.Value));

    /// <summary>Whether a listed secret with this name and these tags (labels, custom metadata) matches every criterion set.</summary>
    public bool Matches(string name, IReadOnlyDictionary<string, string>? tags) => MatchesName(name) && MatchesTags(tags);

    /// <summary>Adds one match, failing once the result would exceed the cap rather than returning a partial set.</summary>
    public void Add(Dictionary<string, byte[]> result, string name, byte[] value)
    {
        result[name] = value;
        ThrowIfOver(result.Count);
    }

    /// <summary>Fails when <paramref name="count"/> candidates already exceed the cap (checked before reading their values).</summary>
    public void ThrowIfOver(int count)
    {
        if (count > Query.MaxKeys)
        {
            throw new SecretStoreException(FailureKind.TooLarge, $"{_store}: find matches {count} or more secrets, more than {Query.MaxKeys} secrets (the most one find may return: the controller's --find-max-keys); narrow name.regexp, tags or path");
        }
    }
}
