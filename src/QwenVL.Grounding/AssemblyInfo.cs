// Placeholder so the empty project builds; replaced by the first real file.
namespace QwenVL.Grounding;
