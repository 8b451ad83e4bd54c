using System.Collections.Frozen;

namespace CsiDriver.Templating.Functions;

/// <summary>
/// Every function a template may call: Go's builtins plus the Sprig and ESO functions we support.
/// None reads files, the environment, the clock or the network.
/// </summary>
internal static class FunctionTable
{
    private static readonly FrozenDictionary<string, TemplateFunction> Functions =
        BuiltinFunctions.All()
            .Concat(StringFunctions.All())
            .Concat(EncodingFunctions.All())
            .Concat(CollectionFunctions.All())
            .Concat(MathFunctions.All())
            .Concat(CertificateFunctions.All())
            .ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Functions the executor evaluates lazily (Go short-circuits and/or).</summary>
    public static bool IsShortCircuit(string name) => name is "and" or "or";

    public static TemplateFunction? Find(string name) => Functions.GetValueOrDefault(name);
}
