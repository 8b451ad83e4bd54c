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
}
