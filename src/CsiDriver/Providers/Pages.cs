namespace CsiDriver.Providers;

/// <summary>Follows a list call's continuation token page by page (AWS <c>NextToken</c>, Google <c>pageToken</c>).</summary>
internal static class Pages
{
    /// <summary>
    /// Reads pages until one has no continuation token or <paramref name="maxPages"/> were read (a backend that
    /// hands out tokens forever cannot keep the caller). <paramref name="read"/> gets the previous page's token,
    /// null first; <paramref name="take"/> keeps a page's items and returns its token.
    /// </summary>
    public static async Task ReadAllAsync<TPage>(Func<string?, Task<TPage>> read, Func<TPage, string?> take, int maxPages)
    {
        string? next = null;
        var pages = 0;
        do
        {
            var token = take(await read(next).ConfigureAwait(false));
            next = string.IsNullOrEmpty(token) ? null : token;
        }
        while (next is not null && ++pages < maxPages);
    }

    /// <summary>Every item of every page, read as <see cref="ReadAllAsync{TPage}"/> reads them; <paramref name="items"/> picks a page's items.</summary>
    public static async Task<List<TItem>> ListAllAsync<TPage, TItem>(
        Func<string?, Task<TPage>> read, Func<TPage, IEnumerable<TItem>> items, Func<TPage, string?> next, int maxPages)
    {
        var all = new List<TItem>();
        await ReadAllAsync(
            read,
            page =>
            {
                all.AddRange(items(page));
                return next(page);
            },
            maxPages).ConfigureAwait(false);
        return all;
    }
}
