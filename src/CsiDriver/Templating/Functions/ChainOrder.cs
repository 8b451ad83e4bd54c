using System.Security.Cryptography.X509Certificates;

namespace CsiDriver.Templating.Functions;

/// <summary>
/// Orders certificates leaf, intermediates, root by issuer/subject names, as ESO does; when the set
/// is not one chain (several leaves, gaps) the original order is kept.
/// </summary>
internal static class ChainOrder
{
    public static IReadOnlyList<X509Certificate2> Sort(X509Certificate2Collection certificates)
    {
        var all = certificates.ToList();
        if (all.Count < 2)
        {
            return all;
        }

        bool Issued(X509Certificate2 issuer, X509Certificate2 subject) =>
            !ReferenceEquals(issuer, subject) && issuer.SubjectName.RawData.AsSpan().SequenceEqual(subject.IssuerName.RawData);

        var leaves = all.Where(c => !all.Any(other => Issued(c, other))).ToList();
        if (leaves.Count != 1)
        {
            return all;
        }

        var ordered = new List<X509Certificate2> { leaves[0] };
        while (ordered.Count < all.Count)
        {
            var current = ordered[^1];
            var issuers = all.Where(c => Issued(c, current) && !ordered.Contains(c)).ToList();
            if (issuers.Count != 1)
            {
                return all;
            }

            ordered.Add(issuers[0]);
        }

        return ordered;
    }
}
