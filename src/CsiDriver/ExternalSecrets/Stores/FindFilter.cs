using System.Text.RegularExpressions;
using CsiDriver.Publishing;

namespace CsiDriver.ExternalSecrets.Stores;

/// <summary>
/// The client-side half of a <see cref="FindQuery"/> for stores whose listing API returns names and tags: the name
/// regexp (Go's unanchored match, run on a non-backtracking engine so a user's pattern cannot stall the controller),
/// the tags (every pair present), and the <see cref="FindQuery.MaxKeys"/> cap.
/// </summary>
internal sealed class FindFilter
{
    private readonly Regex? _name;
    private readonly IReadOnlyDictionary<string, string> _tags;
    private readonly int _maxKeys;
    private readonly string _store;

    public FindFilter(StoreContext store, FindQuery query)
    {
        _store = store.ToString();
        _maxKeys = query.MaxKeys;
        _tags = query.Tags ?? new Dictionary<string, string>();
        if (query.NameRegexp is { Length: > 0 } pattern)
        {
            try
            {
                _name = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: find.name.regexp \"{pattern}\" is not a valid regular expression");
            }
            catch (NotSupportedException)
            {
                throw new SecretStoreException(FailureKind.InvalidConfiguration, $"{_store}: find.name.regexp \"{pattern}\" uses a construct Go's regexp does not have");
            }
        }
    }

    /// <summary>Whether a secret with this name and these tags (labels) matches.</summary>
    public bool Matches(string name, IReadOnlyDictionary<string, string>? tags) =>
        (_name is null || _name.IsMatch(name)) &&
        _tags.All(t => tags is not null && tags.TryGetValue(t.Key, out var value) && value == t.Value);

    /// <summary>Throws past the cap; the count says how many matched, never what.</summary>
    public void CheckCount(int matches)
    {
        if (matches > _maxKeys)
        {
            throw new SecretStoreException(FailureKind.TooLarge, $"{_store}: dataFrom.find matched {matches} secrets, more than the {_maxKeys} one find may return");
        }
    }
}
