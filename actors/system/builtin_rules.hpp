#pragma once

// The built-in `[regions]`, `[questions]` and `[supported_regions]` of the
// original program (original-backend.md §4.6), with supported-region names
// that match the rules; the lowest configuration layer.

#include <string_view>

namespace xrv::config {

/// The built-in free-form sections as INI text. Rule order matters: the
/// first rule with a matching keyword wins. The question texts are the
/// original's, typo "infitrates" included; the supported names are the
/// original's five, renamed to the regions its rules actually produce (it
/// shipped abdominal, nasal_bones, paranasal_sinuses).
inline constexpr std::string_view builtin_ini = R"([regions]
chest = torace, pulmon, thorax, chest
ribs = grilaj, coaste
sternum = stern
abdomen = abdomen, abdominal
skull = cap, craniu, occiput, skull
mandible = mandibula
nose = nazal, piramida
sinuses = sinus
spine = col., spine, dens, sacrat
pelvis = bazin, pelvis
clavicle = clavicula, clavicle
upper_limb = humerus, antebrat, forearm
hand = pumn, mana, deget, hand, finger, wrist
shoulder = umar, shoulder
elbow = cot, elbow
hip = sold, hip
lower_limb = femur, tibie, gamba
knee = genunchi, patella, knee
ankle = glezna, ankle
foot = picior, calcai, calcaneu, leg, foot
[questions]
chest = Are there any lung consolidations, infitrates, opacities, pleural effusion, pneumothorax or pneumoperitoneum
ribs = Are there any ribs or clavicles fractures
sternum = Are there any fractures
abdomen = Are there any signs of bowel obstruction, pneumoperitoneum or foreign bodies
skull = Are there any fractures
mandible = Are there any fractures
nose = Are there any fractures of nasal bones
sinuses = Are the paranasal sinuses normally aerated or are they opaque or are there fluid levels
spine = Are there any fractures or dislocations
pelvis = Are there any fractures
clavicle = Are there any fractures
upper_limb = Are there any fractures, dislocations or bone tumors
hand = Are there any fractures, dislocations or bone tumors
shoulder = Are there any fractures or dislocations
elbow = Are there any fractures or dislocations
hip = Are there any fractures or dislocations
lower_limb = Are there any fractures, dislocations or bone tumors
knee = Are there any fractures or dislocations
ankle = Are there any fractures or dislocations
foot = Are there any fractures or dislocations
[supported_regions]
chest = true
ribs = false
sternum = false
abdomen = true
skull = false
mandible = false
nose = true
sinuses = true
spine = false
pelvis = false
clavicle = true
upper_limb = false
hand = false
shoulder = false
elbow = false
hip = false
lower_limb = false
knee = false
ankle = false
foot = false
)";

} // namespace xrv::config
