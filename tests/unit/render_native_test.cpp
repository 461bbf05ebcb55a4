// The pure parts of the rendering's fast path: area reduction
// (actors/dicom/area_reduce) and the grey-scale display (actors/dicom/voi),
// on small hand-computed images.

#include "actors/dicom/area_reduce.hpp"
#include "actors/dicom/voi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace {

using samples = std::vector<std::uint16_t>;
using xrv::dicom::area_reduce;
using xrv::dicom::area_reducer;
using xrv::dicom::linear_modality;
using xrv::dicom::voi_window;

std::array<std::uint8_t, 256> identity_gamma() {
  std::array<std::uint8_t, 256> lut{};
  std::iota(lut.begin(), lut.end(), 0);
  return lut;
}

TEST(AreaReduce, HalvingAveragesEachBlockRoundingHalfUp) {
  const samples src{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5, 11.5, 13.5.
  EXPECT_EQ(area_reduce(src, 4, 4, 2, 2), (samples{4, 6, 12, 14}));
}

TEST(AreaReduce, FractionalFootprintsAreWeightedByArea) {
  // Three columns into two: output 0 covers column 0 and half of column 1.
  // (0*2 + 30*1) / 3 = 10 and (30*1 + 60*2) / 3 = 50.
  EXPECT_EQ(area_reduce(samples{0, 30, 60}, 3, 1, 2, 1), (samples{10, 50}));
  // The same down a one-pixel-wide image: five rows into two.
  // (10*2 + 20*2 + 30*1) / 5 = 18, (30*1 + 40*2 + 50*2) / 5 = 42.
  EXPECT_EQ(area_reduce(samples{10, 20, 30, 40, 50}, 1, 5, 1, 2),
            (samples{18, 42}));
  // Both ways at once, 3x3 into 2x2: the centre sample counts a quarter in
  // each output, the edge ones a half, the corners whole.
  const samples grid{0, 0, 0, 0, 90, 0, 0, 0, 0};
  EXPECT_EQ(area_reduce(grid, 3, 3, 2, 2), (samples{10, 10, 10, 10}));
}

TEST(AreaReduce, OddSizesKeepAFlatImageFlatAndStayInRange) {
  for (const auto& [w, h, dw, dh] : std::to_array<std::array<int, 4>>(
         {{7, 5, 3, 2}, {13, 1, 4, 1}, {1, 13, 1, 5}, {99, 37, 10, 9}})) {
    const samples flat(static_cast<std::size_t>(w * h), 4095);
    EXPECT_EQ(area_reduce(flat, w, h, dw, dh),
              samples(static_cast<std::size_t>(dw * dh), 4095))
      << w << "x" << h;
    samples ramp(static_cast<std::size_t>(w * h));
    std::iota(ramp.begin(), ramp.end(), std::uint16_t{100});
    const auto out = area_reduce(ramp, w, h, dw, dh);
    ASSERT_EQ(out.size(), static_cast<std::size_t>(dw * dh));
    for (const auto v : out) {
      EXPECT_GE(v, 100);
      EXPECT_LE(v, 100 + w * h - 1);
    }
    // A ramp along the rows rises from left to right after reduction too.
    for (int y = 0; y < dh; ++y)
      for (int x = 1; x < dw; ++x)
        EXPECT_LT(out[static_cast<std::size_t>(y * dw + x - 1)],
                  out[static_cast<std::size_t>(y * dw + x)]);
  }
}

TEST(AreaReduce, SameSizeIsTheIdentityAndOnePixelIsTheMean) {
  const samples src{5, 0, 65535, 7, 1, 2};
  EXPECT_EQ(area_reduce(src, 3, 2, 3, 2), src);
  EXPECT_EQ(area_reduce(src, 6, 1, 6, 1), src);
  // (5 + 0 + 65535 + 7 + 1 + 2) / 6 = 10925.
  EXPECT_EQ(area_reduce(src, 3, 2, 1, 1), (samples{10925}));
  EXPECT_EQ(area_reduce(samples{42}, 1, 1, 1, 1), (samples{42}));
}

TEST(AreaReduce, FullScaleTallColumnDoesNotOverflow) {
  // The column sums reach 65535 * 65535, just under 2^32.
  const samples tall(65535, 65535);
  EXPECT_EQ(area_reduce(tall, 1, 65535, 1, 1), (samples{65535}));
  EXPECT_EQ(area_reduce(tall, 1, 65535, 1, 3), (samples{65535, 65535, 65535}));
}

TEST(AreaReduce, BandsOfAnySizeGiveTheOneShotResult) {
  const int w = 23;
  const int h = 17;
  samples src(static_cast<std::size_t>(w * h));
  for (std::size_t i = 0; i < src.size(); ++i)
    src[i] = static_cast<std::uint16_t>((i * 7919U) % 4096U);
  const auto whole = area_reduce(src, w, h, 6, 5);
  ASSERT_EQ(whole.size(), 30U);
  for (const int band : {1, 2, 5, 16, 17}) {
    area_reducer reducer{w, h, 6, 5};
    ASSERT_TRUE(reducer.valid());
    for (int row = 0; row < h; row += band) {
      EXPECT_FALSE(reducer.complete());
      const auto n = static_cast<std::size_t>(std::min(band, h - row) * w);
      reducer.add_rows(
        std::span{src}.subspan(static_cast<std::size_t>(row * w), n));
    }
    EXPECT_TRUE(reducer.complete());
    EXPECT_EQ(reducer.take(), whole) << "band " << band;
  }
}

TEST(AreaReduce, ImpossibleSizesAndIncompleteInputGiveNothing) {
  const samples src(12, 1);
  EXPECT_TRUE(area_reduce(src, 4, 3, 5, 3).empty()); // no enlarging
  EXPECT_TRUE(area_reduce(src, 4, 3, 0, 1).empty());
  EXPECT_TRUE(area_reduce(src, 4, 4, 2, 2).empty()); // src too short
  EXPECT_FALSE((area_reducer{4, 3, 4, 4}.valid()));
  area_reducer partial{4, 3, 2, 1};
  partial.add_rows(std::span{src}.first(8));
  EXPECT_FALSE(partial.complete());
  EXPECT_TRUE(partial.take().empty());
}

TEST(HistogramWindow, ClipsTheFirstAndLastPercentLikeDcmtk) {
  samples ramp(100);
  std::iota(ramp.begin(), ramp.end(), std::uint16_t{0});
  // 1 % of 100 = 1 sample: DCMTK's bounds are 1 and 99; its window spans
  // them inclusively (suppl. 33: center (lo + hi + 1) / 2, width hi-lo+1).
  const auto w = xrv::dicom::histogram_window(ramp, 0.01, {});
  ASSERT_TRUE(w.has_value());
  EXPECT_DOUBLE_EQ(w->center, 50.5);
  EXPECT_DOUBLE_EQ(w->width, 99);
  // In modality values: slope 2, intercept -10 map 1 -> -8 and 99 -> 188.
  const auto m = xrv::dicom::histogram_window(ramp, 0.01, {2, -10, 0});
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->center, 90.5);
  EXPECT_DOUBLE_EQ(m->width, 197);
  // Signed samples are offset: sample 0 is the value -50.
  const auto s = xrv::dicom::histogram_window(ramp, 0.01, {1, 0, 50});
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->center, 0.5);
}

TEST(HistogramWindow, FlatOrNearlyTwoValuedImagesHaveNone) {
  EXPECT_FALSE(xrv::dicom::histogram_window(samples(50, 7), 0.01, {}));
  EXPECT_FALSE(xrv::dicom::histogram_window(samples{}, 0.01, {}));
  samples mostly_zero(1000, 0);
  std::fill_n(mostly_zero.begin(), 5, 1); // 0.5 %: clipped away
  EXPECT_FALSE(xrv::dicom::histogram_window(mostly_zero, 0.01, {}));
}

TEST(DisplayLut, LinearWindowAsDcmtkTruncates) {
  // Center 2048, width 4096 over 12 bits: out = trunc(v * 255 / 4095).
  const auto lut = xrv::dicom::display_lut(0, 4095, {}, voi_window{2048, 4096},
                                           false, identity_gamma());
  ASSERT_EQ(lut.size(), 4096U);
  EXPECT_EQ(lut[0], 0);
  EXPECT_EQ(lut[16], 0);     // 0.996
  EXPECT_EQ(lut[17], 1);     // 1.06
  EXPECT_EQ(lut[2048], 127); // 127.53
  EXPECT_EQ(lut[4095], 255);
  // Narrow window: everything at or below center - 0.5 is black.
  const auto step = xrv::dicom::display_lut(98, 101, {}, voi_window{100, 1},
                                            false, identity_gamma());
  EXPECT_EQ(step, (std::vector<std::uint8_t>{0, 0, 255, 255}));
}

TEST(DisplayLut, InverseShowsMonochrome1BoneBright) {
  const auto lut = xrv::dicom::display_lut(0, 4095, {}, voi_window{2048, 4096},
                                           true, identity_gamma());
  ASSERT_EQ(lut.size(), 4096U);
  EXPECT_EQ(lut[0], 255);
  EXPECT_EQ(lut[2048], 127); // 255 - 127.53 = 127.47
  EXPECT_EQ(lut[4095], 0);
  for (std::size_t v = 1; v < lut.size(); ++v)
    ASSERT_LE(lut[v], lut[v - 1]) << v;
}

TEST(DisplayLut, ModalityThenWindowThenGamma) {
  // Stored 0..4 with slope 10, intercept -20: values -20, -10, 0, 10, 20;
  // center 0, width 41: ((v + 0.5) / 40 + 0.5) * 255 truncated, 255 above
  // the right border 19.5.
  auto gamma = identity_gamma();
  gamma[130] = 200; // a recognisable table entry
  const auto lut = xrv::dicom::display_lut(0, 4, {10, -20, 0},
                                           voi_window{0, 41}, false, gamma);
  EXPECT_EQ(lut, (std::vector<std::uint8_t>{3, 66, 200, 194, 255}));
  EXPECT_TRUE(
    xrv::dicom::display_lut(0, 4, {}, voi_window{2, 0.5}, false, gamma)
      .empty());
  EXPECT_TRUE(
    xrv::dicom::display_lut(5, 4, {}, voi_window{2, 10}, false, gamma).empty());
}

TEST(ToDisplay, MapsEverySampleThroughTheTable) {
  const samples image{4095, 0, 2048, 17};
  EXPECT_EQ(xrv::dicom::to_display(image, {}, voi_window{2048, 4096}, false,
                                   identity_gamma()),
            (std::vector<std::uint8_t>{255, 0, 127, 1}));
  EXPECT_EQ(xrv::dicom::to_display(image, {}, voi_window{2048, 4096}, true,
                                   identity_gamma()),
            (std::vector<std::uint8_t>{0, 255, 127, 253}));
}

} // namespace
