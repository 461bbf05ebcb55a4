#include "actors/store/records.hpp"

#include <string>

namespace xrv::store {

namespace {

void take(std::string& field, const std::string& incoming) {
  if (!incoming.empty())
    field = incoming;
}

} // namespace

patient_record merge_patient(const patient_record& known,
                             const patient_record& incoming) {
  patient_record out = known;
  out.cnp = incoming.cnp.empty() ? known.cnp : incoming.cnp;
  take(out.id, incoming.id);
  take(out.name, incoming.name);
  take(out.birthdate, incoming.birthdate);
  take(out.sex, incoming.sex);
  if (incoming.county >= 0)
    out.county = incoming.county;
  return out;
}

exam_record merge_exam(const exam_record& known, const exam_record& incoming) {
  exam_record out = known;
  take(out.cnp, incoming.cnp);
  take(out.created, incoming.created);
  take(out.protocol, incoming.protocol);
  take(out.region, incoming.region);
  take(out.type, incoming.type);
  take(out.study, incoming.study);
  take(out.series, incoming.series);
  take(out.id, incoming.id);
  if (out.received.empty())
    out.received = incoming.received;
  return out;
}

} // namespace xrv::store
